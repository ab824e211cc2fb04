"""The "Load returns" panel: drop in files, see each one checked, preview the change, load.

The checks and the load are the loader's own (``etl.load.check_file`` and
``commit_checked``), so a file behaves exactly as it would from the command line or the drop
folder. A refused file is logged and kept aside at once, with its report; an accepted one
waits for the analyst to press Load after seeing what it will change.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from etl import retention, store
from etl.load import FileCheck, LoadResult, check_file, commit_checked, pending_change
from etl.reader import max_bytes
from metrics.formatting import uk_month
from ui import auth

CHECKS_KEY = "upload:checks"
DONE_KEY = "upload:done"
FILE_TYPES = ["csv", "xlsx"]
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


def _key(upload) -> str:
    return f"{upload.name}:{upload.file_id}"


def _write(db: Path, check: FileCheck) -> LoadResult:
    """Load or log one file; old kept files are tidied first, as every load path does, so a
    council that only ever uploads still keeps ``rejected/`` within its retention period."""
    retention.tidy(db, retention.configured_days())
    with store.open_writer(db, timeout=LOAD_WAIT_SECONDS) as con:
        return commit_checked(con, db, check, source="upload", user=current_user())


def _log_refusal(db: Path, entry: Upload) -> None:
    """Log and keep a refused file once; if another load holds the store, the next run tries."""
    if entry.check.accepted or entry.rejected is not None:
        return
    with contextlib.suppress(store.StoreBusy):
        entry.rejected = _write(db, entry.check)


def checked_uploads(db: Path, uploads: list) -> list[Upload]:
    """Check each new file once per session (with progress); log and keep refused ones."""
    cache: dict[str, Upload] = st.session_state.setdefault(CHECKS_KEY, {})
    new = [u for u in uploads if _key(u) not in cache]
    if new:
        bar = st.progress(0.0, text="Checking files…")
        for n, upload in enumerate(new, start=1):
            bar.progress((n - 1) / len(new), text=f"Checking {upload.name} ({n} of {len(new)})…")
            cache[_key(upload)] = Upload(check_file(upload.name, upload.getvalue()))
        bar.empty()
    entries = [cache[_key(u)] for u in uploads]
    for entry in entries:
        _log_refusal(db, entry)
    return entries


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
    spec, month = check.spec, check.month
    when = f", {uk_month(month)}" if month else ""
    return f"{spec.title}{when}, {check.report.rows:,} rows"


def _refused(entry: Upload) -> None:
    check = entry.check
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
    for warning in check.report.warnings:
        st.caption(f"! {warning.line()}")
    if key in done:
        st.success(f"{done[key].status.capitalize()}: {done[key].message}", icon="✔")
        return
    change = pending_change(db, check)
    what = f"{check.spec.title} for {uk_month(check.month)}" if check.month else check.spec.title
    text = change.describe(check.report.rows, what)
    if change.kind == "unchanged":
        st.info(text, icon=":material/check:")
        return
    st.write(text)
    if st.button(f"Load {check.file_name}", key=f"load:{key}", type="primary"):
        with st.spinner(f"Loading {check.file_name}…"):
            try:
                done[key] = _write(db, check)
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
    """Draw the whole page body: the drop zone, then one block per dropped file."""
    limit = upload_limit_mb()
    uploads = st.file_uploader(
        "Return files (CSV or Excel)",
        type=FILE_TYPES,
        accept_multiple_files=True,
        max_upload_size=limit,
        key="upload:files",
        help=f"Name each file <return>_<YYYY-MM>.csv, e.g. visits_2021-05.csv. Up to {limit} MB.",
    )
    if not uploads:
        st.info(
            "Drop one or more monthly returns here. Each is checked against its rules first; "
            "nothing is loaded until you have seen what it will change and pressed Load.",
            icon=":material/upload_file:",
        )
        return
    for entry, upload in zip(checked_uploads(db, uploads), uploads, strict=True):
        with st.container(border=True):
            if entry.check.accepted:
                _accepted(db, _key(upload), entry.check)
            else:
                _refused(entry)
