"""The "Load returns" panel: drop in files, see each one checked, preview the change, load.

The checks and the load are the loader's own (``etl.write.load.check_file`` and
``commit_checked``), so a file behaves exactly as it would from the command line or the drop
folder. A refused file is logged and kept aside at once, with its report; an accepted one
waits for the analyst to press Load after seeing what it will change.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from etl.read.reader import max_bytes
from etl.returns import all_returns
from etl.sources.census_file import census_title
from etl.templates import template_workbook
from etl.write import retention, store
from etl.write.load import (
    FileCheck,
    LoadResult,
    check_file,
    check_ssda903,
    commit_checked,
    conflicts,
    describe_changes,
    group_sets,
    pending_changes,
)
from metrics.formatting import uk_month
from ui import auth

CHECKS_KEY = "upload:checks"
DONE_KEY = "upload:done"
FILE_TYPES = ["csv", "xlsx", "xml"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How long pressing Load waits for another load to finish before asking the analyst to retry.
LOAD_WAIT_SECONDS = 10.0


@dataclass
class Upload:
    """One dropped file's check, and what happened to it in this session."""

    check: FileCheck
    rejected: LoadResult | None = None  # set once a refused file has been logged and kept


def current_user() -> str | None:
    """Who is loading (signed-in e-mail, or the demo's no-sign-in name): logged and audited."""
    return auth.who()


def _key(upload, as_at: date | None = None) -> str:
    return f"{upload.name}:{upload.file_id}:{as_at or ''}"


def _write(db: Path, check: FileCheck, replace: bool = False) -> LoadResult:
    """Load or log one file; old kept files are tidied first, as every load path does, so a
    council that only ever uploads still keeps ``rejected/`` within its retention period."""
    if not auth.may_write(db):  # the page offers no drop zone then; this is the backstop
        raise PermissionError(auth.NO_SIGN_IN_LOADS.format(allow=auth.ALLOW_ENV))
    retention.tidy(db, retention.configured_days())
    with store.open_writer(db, timeout=LOAD_WAIT_SECONDS) as con:
        return commit_checked(con, db, check, source="upload", user=current_user(), replace=replace)


def _awaits_list_date(check: FileCheck) -> bool:
    """An Annex A workbook whose list date the analyst has yet to give: a question, not a
    refusal to log and keep."""
    return [p.check for p in check.report.problems] == ["list_date_known"]


def _log_refusal(db: Path, entry: Upload) -> None:
    """Log and keep a refused file once; if another load holds the store, the next run tries."""
    if entry.check.accepted or entry.rejected is not None or _awaits_list_date(entry.check):
        return
    with contextlib.suppress(store.StoreBusy):
        entry.rejected = _write(db, entry.check)


def upload_sets(uploads: list) -> list[list]:
    """Uploads grouped as the loader groups files: SSDA903 or SSD tables dropped together
    are one set per source, checked and loaded together (``group_sets``)."""
    return group_sets(uploads, lambda u: (u.name, u.getvalue()))


def checked_uploads(db: Path, uploads: list, as_at: date | None = None) -> list[tuple[str, Upload]]:
    """Check each new file (or SSDA903 set) once per session, with progress; log and keep
    refused ones. Gives each with its key.

    ``as_at`` is the date given on the form for Annex A workbooks and SSDA903 extracts whose
    names do not give one; a file is checked again when it changes.
    """
    cache: dict[str, Upload] = st.session_state.setdefault(CHECKS_KEY, {})
    groups = [(" + ".join(_key(u, as_at) for u in g), g) for g in upload_sets(uploads)]
    new = [(key, g) for key, g in groups if key not in cache]
    if new:
        bar = st.progress(0.0, text="Checking files…")
        for n, (key, group) in enumerate(new, start=1):
            names = ", ".join(u.name for u in group)
            bar.progress((n - 1) / len(new), text=f"Checking {names} ({n} of {len(new)})…")
            if len(group) > 1:
                check = check_ssda903([(u.name, u.getvalue()) for u in group], as_at)
            else:
                check = check_file(group[0].name, group[0].getvalue(), as_at)
            cache[key] = Upload(check)
        bar.empty()
    entries = [(key, cache[key]) for key, _ in groups]
    for _, entry in entries:
        _log_refusal(db, entry)
    return entries


def template_downloads() -> None:
    """A download button per return: its Excel template, made from its declaration."""
    with st.expander("Templates: an Excel workbook for each return", icon=":material/download:"):
        st.caption(
            "Headings as the loader expects them, a note on each, drop-down lists for codes "
            "and flags, date cells, an example row and the rules on an Instructions sheet. "
            "Fill it in, save it as <return>_<YYYY-MM>.xlsx and drop it above."
        )
        columns = st.columns(2)
        for i, spec in enumerate(all_returns().values()):
            columns[i % 2].download_button(
                f"{spec.title} ({spec.name})",
                data=partial(template_workbook, spec),
                file_name=f"{spec.name}_template.xlsx",
                mime=XLSX_MIME,
                key=f"upload:template:{spec.name}",
                icon=":material/table_view:",
            )


def findings_table(check: FileCheck) -> pd.DataFrame:
    """The problems in a refused file: rule, column, rows affected, example rows, how to fix."""
    return pd.DataFrame(
        [
            {
                "Problem": f.message,
                "Column": f.column or "",
                "Rows affected": f.rows_affected,
                "Example rows": ", ".join(str(r) for r in f.example_rows[:8]),
                "How to fix": f.fix,
            }
            for f in check.report.problems
        ]
    )


def _describe(check: FileCheck) -> str:
    census = census_title(check.report.return_type)
    if census:  # a census fills several returns' months: its lists say which
        return f"{census}, {check.report.rows:,} rows"
    if check.spec is None:  # an Annex A workbook: its lists say what each gave
        used = sum("→" in line for line in check.report.lists)
        return f"Ofsted Annex A workbook, {used} list(s) used, {check.report.rows:,} rows"
    spec, month = check.spec, check.month
    when = f", {uk_month(month)}" if month else ""
    return f"{spec.title}{when}, {check.report.rows:,} rows"


def _refused(entry: Upload) -> None:
    check = entry.check
    if _awaits_list_date(check):
        st.warning(
            f"**{check.file_name}** is an Ofsted Annex A workbook. Which day was it extracted? "
            "Enter its list date above the drop zone and it will be checked again.",
            icon=":material/event:",
        )
        return
    st.error(f"**{check.file_name}** was refused: {check.report.summary()}", icon="✖")
    st.dataframe(findings_table(check), hide_index=True, width="stretch")
    if entry.rejected is not None and entry.rejected.not_kept:
        st.caption(
            f"Nothing was loaded. {entry.rejected.not_kept} It is "
            f"`rejected/{entry.rejected.kept_at.name}.report.json`. Fix the file and drop it in "
            "again."
        )
    elif entry.rejected is not None and entry.rejected.kept_at is not None:
        st.caption(
            f"Nothing was loaded. The file and its report are kept as "
            f"`rejected/{entry.rejected.kept_at.name}`. Fix the rows above and drop it in again."
        )
    else:
        st.caption(
            "Nothing was loaded. Another load is running, so the refusal will be logged the "
            "next time this page runs. Fix the rows above and drop the file in again."
        )


def _accepted(db: Path, key: str, check: FileCheck) -> None:
    done: dict[str, LoadResult] = st.session_state.setdefault(DONE_KEY, {})
    st.markdown(f"**{check.file_name}** — {_describe(check)}")
    for line in check.report.lists:
        st.text(line)  # plain text: headings from the file are never rendered as Markdown
    if check.report.warnings:
        with st.expander(
            f"{len(check.report.warnings)} note(s) on this file: columns left out, "
            "blanks allowed, names pseudonymised"
        ):
            for warning in check.report.warnings:
                st.text(f"! {warning.line()}")
    if key in done:
        st.success(done[key].message, icon="✔")  # says what was done: "Loaded: …", "Replaced …"
        return
    changes = pending_changes(db, check)
    text = describe_changes(changes)
    if all(change.kind == "unchanged" for _, change in changes):
        st.info(text, icon=":material/check:")
        return
    st.write(text)
    clashes = conflicts(changes)
    replace = False
    if clashes:
        for clash in clashes:
            st.warning(clash.message, icon=":material/warning:")
        replace = st.checkbox(
            "Replace months loaded from other files (monthly returns, an Annex A workbook or "
            "a census)",
            key=f"replace:{key}",
        )
    if st.button(
        f"Load {check.file_name}",
        key=f"load:{key}",
        type="primary",
        disabled=bool(clashes) and not replace,
    ):
        with st.spinner(f"Loading {check.file_name}…"):
            try:
                done[key] = _write(db, check, replace)
                check.discard()  # its staged rows are in the store now
            except store.StoreBusy:
                st.warning("Another load is running. Wait a minute and press Load again.")
                return
        st.rerun()  # so the month picker and every page see the new month at once


def upload_limit_mb() -> int:
    """The drop zone's limit in whole MB, the loader's (``CSC_MAX_FILE_MB``) rounded up.

    The browser refuses a bigger file before sending it; the loader checks the size again,
    so a limit below 1 MB (only ever set in tests) is still enforced exactly.
    """
    return max(1, math.ceil(max_bytes() / (1024 * 1024)))


def upload_panel(db: Path) -> None:
    """Draw the whole page body: the drop zone, then one block per dropped file.

    Without sign-in the drop zone is offered only on the demo store (``auth.may_write``).
    """
    if not auth.may_write(db):
        st.error(auth.NO_SIGN_IN_LOADS.format(allow=auth.ALLOW_ENV), icon=":material/lock:")
        return
    limit = upload_limit_mb()
    template_downloads()
    as_at = st.date_input(
        "List date of an Ofsted Annex A workbook, or an SSDA903 extract's date (only if the "
        "file names do not say)",
        value=None,
        format="DD/MM/YYYY",
        key="upload:as_at",
        help="The day the lists or tables were extracted, e.g. 31/03/2022. Monthly returns "
        "need none; SSDA903 tables named with their year (SSDA903_2022_…) need none.",
    )
    uploads = st.file_uploader(
        "Return files (CSV, Excel, or the DfE's CIN or workforce census XML)",
        type=FILE_TYPES,
        accept_multiple_files=True,
        max_upload_size=limit,
        key="upload:files",
        help=f"Name each monthly file <return>_<YYYY-MM>.csv, e.g. visits_2021-05.csv; an "
        f"Ofsted Annex A workbook, and a year's SSDA903 tables dropped together, load as "
        f"exported. Up to {limit} MB.",
    )
    if not uploads:
        st.info(
            "Drop one or more monthly returns here. Each is checked against its rules first; "
            "nothing is loaded until you have seen what it will change and pressed Load.",
            icon=":material/upload_file:",
        )
        return
    for key, entry in checked_uploads(db, uploads, as_at):
        with st.container(border=True):
            if entry.check.accepted:
                _accepted(db, key, entry.check)
            else:
                _refused(entry)
