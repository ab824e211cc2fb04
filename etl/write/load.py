"""Load checked returns into the store: one transaction per file, every attempt logged.

The steps for each file are always the same, whoever calls (CLI, drop-folder watcher,
upload page, demo builder): read → check (types + expectation suite) → write in one
transaction (replace the return's month, refresh the pre-computed KPIs, log) → keep the file
(rejected files beside a readable report; drop-folder files moved to ``processed/``; of a
file that held personal data only the report, never the file). A rejected file changes
nothing but the ``load_log`` row that records the rejection.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import duckdb

from etl.check.date_checks import same_bytes_other_month
from etl.check.validate import CheckedReturn, MonthUnit, check_return, check_returns
from etl.read.reader import (
    RawReturn,
    Source,
    personal_data_headings,
    read_return,
    safe_name,
    workbook_sheets,
)
from etl.read.workbook import Sheet
from etl.report import FileRejected, Finding, ValidationReport
from etl.returns import ReturnSpec
from etl.sources import actions, ssd, ssda903, ssda903_xml
from etl.sources.annex_a import check_workbook, date_in_name, find_lists
from etl.sources.census_file import check_census
from etl.write import audit, retention, store

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
T = TypeVar("T")
#: Findings that name personal data: a column the reader dropped (file read), the older
#: refusal's, and a child's identifier among the values (an NHS number as child ID, a
#: postcode in a commentary). A file with any is never kept, only its report.
PERSONAL_DATA_CHECKS = ("personal_data_dropped", "no_personal_data", "real_world_identifier")
NOT_KEPT_PERSONAL = (
    "The original file was not kept because it held personal data; only its report is kept."
)
NOT_KEPT_UNIDENTIFIED = (
    "The original file was not kept: it matched no declared return, so what it holds is not "
    "known (it could be personal data); only its report is kept."
)


@dataclass
class FileCheck:
    """A file that has been read and checked but not yet written.

    Its typed rows wait in a private staging folder until they are loaded; the folder goes
    when the check is discarded or garbage-collected (an upload checked and never loaded).
    """

    file_name: str  # safe bare name: never decides where anything is written
    source: Source  # the file on disk, or an upload's bytes
    sha256: str
    report: ValidationReport
    checked: CheckedReturn | None  # None when not read as one return (refused, or a workbook)
    stage: Path | None = None
    #: What loading it writes: one return-month for a monthly file, several for a workbook.
    units: list[MonthUnit] = field(default_factory=list)
    #: Whether the file was known to be a declared return (or an Annex A workbook) before any
    #: refusal: a file nobody identified is never kept, only its report.
    identified: bool = True

    def __post_init__(self) -> None:
        if self.checked is not None and not self.units:
            self.units = [MonthUnit.of(self.checked)]
        if self.stage is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.stage, True)

    def discard(self) -> None:
        """Remove the staged rows now (they are not needed once loaded or refused)."""
        if self.stage is not None:
            self._cleanup()

    @property
    def accepted(self) -> bool:
        return bool(self.units) and self.report.accepted

    @property
    def held_personal_data(self) -> bool:
        """A column looked like names, dates of birth, addresses and the like: the original
        must then never be copied or kept anywhere, whatever else happens to the file."""
        findings = (*self.report.problems, *self.report.warnings)
        return any(f.check in PERSONAL_DATA_CHECKS for f in findings)

    @property
    def spec(self) -> ReturnSpec | None:
        return self.checked.spec if self.checked else None

    @property
    def month(self) -> date | None:
        return self.checked.raw.month if self.checked else None


@dataclass
class PendingChange:
    """What loading a checked file would do: shown to the analyst before they press Load."""

    kind: str  # new / replace / unchanged
    previous_rows: int = 0
    previous_loaded_at: datetime | None = None
    previous_file: str | None = None
    previous_origin: str = "return"  # a monthly return, or an Annex A workbook ("annex_a")
    #: A reference return's ``replace_by`` columns: a load replaces only the stored rows with
    #: the same values in them (a second DfE table adds its indicators to the first's).
    keyed: tuple[str, ...] = ()

    def describe(self, rows: int, what: str) -> str:
        if self.kind == "unchanged":
            return f"{what} is already loaded from an identical file — nothing will change."
        if self.kind == "replace" and self.keyed:
            keys = " and ".join(self.keyed)
            return (
                f"Adds {what}: {rows:,} rows, replacing any stored rows with the same {keys} "
                f"(the table held {self.previous_rows:,} rows)."
            )
        if self.kind == "replace":
            when = self.previous_loaded_at.strftime("%-d %B %Y") if self.previous_loaded_at else "?"
            return f"Replaces {what} loaded on {when}: {self.previous_rows:,} → {rows:,} rows."
        return f"New: {what}, {rows:,} rows."


@dataclass
class LoadResult:
    """The outcome of one file: status as logged, the report, and where the file was kept."""

    file_name: str
    status: str  # loaded / replaced / unchanged / rejected
    report: ValidationReport
    message: str
    load_id: int | None = None
    #: The kept file's path; its report, when one is kept, is this path + ``.report.json``.
    kept_at: Path | None = None
    #: Why only the report was kept at ``kept_at`` (personal data, or too big to read).
    not_kept: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


def _sha256(source: Source) -> str:
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
        return digest.hexdigest()
    with source.open("rb") as fh:  # streamed, whatever the file's size
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(name: str, source: Source, as_at: date | None = None) -> FileCheck:
    """Read and check one file (a path, streamed; or an upload's bytes); writes nothing to
    the store. A file over the size limit is refused before any of it is parsed.

    An Ofsted Annex A workbook is checked list by list; ``as_at`` is its list date when the
    file name does not give it.
    """
    opened = _open(name, source, as_at)
    if isinstance(opened, FileCheck):
        return opened
    return opened.verdict(lambda: check_return(opened.raw, opened.stage))


@dataclass
class _Opened:
    """A file read as one monthly or reference return, its rows not yet checked."""

    name: str
    source: Source
    digest: str
    stage: Path
    sheets: list[Sheet] | None
    raw: RawReturn

    def verdict(self, check: Callable[[], CheckedReturn]) -> FileCheck:
        """The file checked by ``check``; a fault while reading its rows refuses it."""
        with _refusing(self.name, self.source, self.stage) as refused:
            refused.sheets = self.sheets
            checked = check()
            return FileCheck(
                self.name, self.source, self.digest, checked.report, checked, self.stage
            )
        return FileCheck(self.name, self.source, self.digest, refused.report, None)


@dataclass
class _Refusal:
    """What ``_refusing`` knows of a file (its sheets, once read: a refusal names any
    personal-data headings in them) and, once the file is refused, the report saying why."""

    sheets: list[Sheet] | None = None
    report: ValidationReport | None = None
    identified: bool = False


@contextmanager
def _refusing(name: str, source: Source, stage: Path) -> Iterator[_Refusal]:
    """Turn a fault reading a file into its refusal: the report is on the yielded object
    (and the staging folder is gone) once the block ends by one. Anything else — an
    interrupt — removes the staging folder and goes on up."""
    refused = _Refusal()
    try:
        yield refused
    except FileRejected as exc:
        shutil.rmtree(stage, ignore_errors=True)
        refused.identified = refused.identified or exc.identified
        personal = (
            personal_data_headings(source, refused.sheets)
            if exc.finding.check != "file_size"
            else []
        )
        refused.report = ValidationReport(file_name=name, problems=[exc.finding], warnings=personal)
    except Exception as exc:  # a reader fault must still give the file a verdict
        shutil.rmtree(stage, ignore_errors=True)
        # Only the kind of fault is logged: its message could quote a cell of the file.
        log.error("could not read %s: %s", name, type(exc).__name__)
        finding = Finding(
            check="file_unreadable",
            message=f"The file could not be read ({type(exc).__name__}); nothing was loaded",
            fix="Open it, save it again in the same format and send it again. If it happens "
            "again, give this report to the dashboard's administrators.",
        )
        try:  # a file with personal headings is never copied, whatever the fault
            personal = personal_data_headings(source, refused.sheets)
        except Exception:
            personal = []
        refused.report = ValidationReport(file_name=name, problems=[finding], warnings=personal)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _open(name: str, source: Source, as_at: date | None) -> FileCheck | _Opened:
    """A file read as far as knowing what it is: a return whose rows are still to check, or
    already its ``FileCheck`` (a workbook's lists, checked; or a refusal)."""
    name = safe_name(name)
    digest = _sha256(source)
    clear_stale_stages()
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
    with _refusing(name, source, stage) as refused:
        tables = set_source(name, source)
        if tables is not None:  # an SSDA903 or SSD table on its own: a set of one
            report, units = tables.check_set([(name, source)], as_at, stage)
            return FileCheck(name, source, digest, report, None, stage, units)
        members = ssd.zip_members(name, source)
        if members is not None:  # an SSD extract in one zip: its tables, one set
            report, units = ssd.check_set(members, as_at or date_in_name(name), stage)
            return FileCheck(name, source, digest, report, None, stage, units)
        census = check_census(name, source, stage)
        if census is not None:
            report, units = census
            return FileCheck(name, source, digest, report, None, stage, units)
        sheets = refused.sheets = workbook_sheets(name, source)
        lists = find_lists(sheets) if sheets else []
        if lists:
            refused.identified = True  # an Annex A workbook, whatever its lists hold
            report, units = check_workbook(name, lists, as_at or date_in_name(name), stage)
            return FileCheck(name, source, digest, report, None, stage, units)
        return _Opened(name, source, digest, stage, sheets, read_return(name, source, sheets))
    return FileCheck(name, source, digest, refused.report, None, identified=refused.identified)


#: Sources whose tables are read together as one set (``recognise``, ``digest``, ``check_set``);
#: the SSDA903 XML is one file holding the 903's tables.
SET_SOURCES = (ssda903, ssda903_xml, ssd)


def set_source(name: str, source: Source) -> ModuleType | None:
    """The set source a file is a table of (SSDA903 or SSD), or None."""
    return next((m for m in SET_SOURCES if m.recognise(name, source)), None)


def check_ssda903(files: list[tuple[str, Source]], as_at: date | None = None) -> FileCheck:
    """The tables of one SSDA903 return or one SSD extract (paths or uploads' bytes), checked
    as one file: the 903 header's dates of birth check the others' dates and its episodes give
    each review its period of care (``etl.sources.ssda903``); the SSD's involvements, visits
    and the rest fill the returns together (``etl.sources.ssd``). Named, kept and logged as
    one, under all their names."""
    files = [(safe_name(name), source) for name, source in files]
    name = " + ".join(n for n, _ in files)[:160]  # a kept report's name stays under 255
    tables = set_source(*files[0]) or ssda903
    digest = tables.digest([(n, s, _sha256(s)) for n, s in files])
    clear_stale_stages()
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
    source = files[0][1]
    with _refusing(name, source, stage) as refused:
        report, units = tables.check_set(files, as_at, stage)
        return FileCheck(name, source, digest, report, None, stage, units)
    return FileCheck(name, source, digest, refused.report, None)


def check_paths(paths: list[Path]) -> list[FileCheck]:
    """Files on disk checked as ``check_path`` checks each, in order, with the files of one
    return checked together (``etl.check.validate.check_returns``: one Great Expectations run for
    all their rows when they pass, which for many small files is most of the time saved)."""
    opened = [_open(path.name, path, None) for path in paths]
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(opened):
        if isinstance(item, _Opened):
            groups.setdefault(item.raw.spec.name, []).append(i)
    out = list(opened)
    try:
        for members in groups.values():
            files = [opened[i] for i in members]
            results = check_returns([f.raw for f in files], [f.stage for f in files])
            for i, f, result in zip(members, files, results, strict=True):
                out[i] = f.verdict(partial(_returned, result))
    except BaseException:  # an interrupt: no staging folder outlives the checks
        for item in opened:
            if isinstance(item, _Opened):
                shutil.rmtree(item.stage, ignore_errors=True)
        raise
    return out  # type: ignore[return-value]  # every _Opened is replaced by its verdict


def _returned(result: CheckedReturn | Exception) -> CheckedReturn:
    """``check_returns``' answer for one file, raised again if it was a fault."""
    if isinstance(result, Exception):
        raise result
    return result


STAGE_PREFIX = "csc-stage-"


def clear_stale_stages() -> list[Path]:
    """Remove staging folders that loads killed mid-way left behind (their process is gone).

    A staging folder is named after the process that made it; one whose process no longer
    runs is never coming back for its rows.
    """
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{STAGE_PREFIX}*"):
        pid = folder.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_path(path: Path, as_at: date | None = None) -> FileCheck:
    """Check a file on disk without reading it into memory."""
    return check_file(path.name, path, as_at)


def _previous(con: duckdb.DuckDBPyConnection, unit: MonthUnit) -> tuple | None:
    """The load that now provides this return-month: sha256, loaded_at, file, origin."""
    return con.execute(
        """
        SELECT sha256, loaded_at, file_name, COALESCE(origin, 'return') FROM load_log
        WHERE return_type = ? AND month IS NOT DISTINCT FROM ?
          AND status IN ('loaded', 'replaced')
        ORDER BY load_id DESC LIMIT 1
        """,
        [unit.spec.name, unit.month],
    ).fetchone()


def _current_rows(con: duckdb.DuckDBPyConnection, unit: MonthUnit) -> int:
    if unit.month is None:
        return con.execute(f"SELECT count(*) FROM {unit.spec.name}").fetchone()[0]
    return con.execute(
        f"SELECT count(*) FROM {unit.spec.name} WHERE month = ?", [unit.month]
    ).fetchone()[0]


def _change(con: duckdb.DuckDBPyConnection, unit: MonthUnit, sha256: str) -> PendingChange:
    prev = _previous(con, unit)
    if prev is None:
        return PendingChange("new")
    if prev[0] == sha256:
        return PendingChange("unchanged")
    keyed = unit.spec.replace_by if unit.month is None else ()
    return PendingChange("replace", _current_rows(con, unit), prev[1], prev[2], prev[3], keyed)


def pending_changes(db: Path, fc: FileCheck) -> list[tuple[MonthUnit, PendingChange]]:
    """What loading ``fc`` would do to each return-month, read from the published snapshot
    (no lock taken)."""
    if not fc.accepted:
        raise ValueError("only an accepted file can be previewed")
    try:
        con = store.open_reader(db)
    except store.StoreMissing:
        return [(unit, PendingChange("new")) for unit in fc.units]
    try:
        return [(unit, _change(con, unit, fc.sha256)) for unit in fc.units]
    finally:
        con.close()


def pending_change(db: Path, fc: FileCheck) -> PendingChange:
    """What loading a one-month file would do (``pending_changes`` for a workbook)."""
    return pending_changes(db, fc)[0][1]


KIND_WORDS = {"new": "new", "replace": "replacing", "unchanged": "unchanged"}
ORIGIN_WORDS = {
    "return": "the monthly return",
    "annex_a": "the Annex A workbook",
    "cin_census": "the CIN census",
    "csww": "the workforce census",
    ssda903.ORIGIN: "the SSDA903 tables",
    ssd.ORIGIN: "the SSD extract",
}


def conflicts(changes: list[tuple[MonthUnit, PendingChange]]) -> list[Finding]:
    """Months this file would take over from a file of the other kind (a monthly return vs an
    Annex A workbook): refused unless the analyst says replace, so no month is ever counted
    from both, nor silently swapped."""
    by_file: dict[str, list[str]] = {}
    for unit, change in changes:
        if change.kind == "replace" and change.previous_origin != unit.origin:
            key = f"{ORIGIN_WORDS[change.previous_origin]} {change.previous_file}"
            by_file.setdefault(key, []).append(unit.what)
    return [
        Finding(
            check="month_source_conflict",
            message=f"Would replace what {source} gave: {'; '.join(whats)}",
            fix="If this file should replace those months, load it again with --replace "
            "(command line) or tick 'Replace months loaded from other files' (Load returns "
            "page). Otherwise leave those months out of this file.",
        )
        for source, whats in by_file.items()
    ]


def describe_changes(changes: list[tuple[MonthUnit, PendingChange]], done: bool = False) -> str:
    """What a load does (or did), in a line: one month as before; a workbook per return."""
    if len(changes) == 1:
        unit, change = changes[0]
        text = change.describe(unit.rows, unit.what)
        if done:
            for now, then in (("Replaces", "Replaced"), ("Adds", "Added"), ("New:", "Loaded:")):
                text = text.replace(now, then)
        return text
    lines = []
    for title in dict.fromkeys(u.spec.title for u, _ in changes):
        mine = [(u, c) for u, c in changes if u.spec.title == title]
        months = sorted(u.month for u, _ in mine)
        span = (
            f"{months[0]:%B %Y}" if len(months) == 1 else f"{months[0]:%B %Y} – {months[-1]:%B %Y}"
        )
        kinds = {c.kind: sum(1 for _, x in mine if x.kind == c.kind) for _, c in mine}
        how = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in kinds.items())
        rows = sum(u.rows for u, _ in mine)
        lines.append(f"{title}, {span}: {len(mine)} month(s) ({how}), {rows:,} rows")
    head = "Loaded" if done else "Will load"
    return f"{head}: " + "; ".join(lines) + "."


_LOG_INSERT = """
    INSERT INTO load_log (load_id, file_name, sha256, return_type, month, rows, status,
                          reason, warnings, report, source, loaded_by, origin)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def _log(
    con: duckdb.DuckDBPyConnection,
    fc: FileCheck,
    unit: MonthUnit | None,
    status: str,
    reason: str,
    source: str,
    user: str | None,
) -> int:
    load_id = con.execute("SELECT nextval('load_id_seq')").fetchone()[0]
    con.execute(_LOG_INSERT, _log_row(load_id, fc, unit, status, reason, source, user))
    return load_id


def _log_row(
    load_id: int,
    fc: FileCheck,
    unit: MonthUnit | None,
    status: str,
    reason: str,
    source: str,
    user: str | None,
) -> list:
    """One ``load_log`` row (``_LOG_INSERT``'s values): a file's return-month, or the file."""
    return [
        load_id,
        fc.file_name,
        fc.sha256,
        unit.spec.name if unit else (fc.spec.name if fc.spec else None),
        unit.month if unit else fc.month,
        unit.rows if unit else fc.report.rows,
        status,
        reason,
        *_unit_report(fc, unit),
        source,
        user,
        unit.origin if unit else None,
    ]


def _unit_report(fc: FileCheck, unit: MonthUnit | None) -> tuple[int, str]:
    """(warnings, report JSON) logged for one unit: the file's, or for a workbook's unit the
    file's report with only that unit's own warnings, so each return-month counts its own."""
    if unit is None or unit.warnings is None:
        return len(fc.report.warnings), fc.report.to_json()
    own = replace(fc.report, rows=unit.rows, warnings=unit.warnings)
    return len(own.warnings), own.to_json()


def _insert_months(
    con: duckdb.DuckDBPyConnection, spec: ReturnSpec, loads: list[tuple[MonthUnit, int]]
) -> None:
    """Replace the months ``loads`` fill (each a unit and its load id) in ``spec``'s table
    with their staged rows: one delete and one insert, however many months."""
    cols = ", ".join(f"CAST(f.{c.name} AS {c.sql_type})" for c in spec.columns)
    # By name: a store made before a column was declared has it added at the end.
    names = ", ".join(spec.column_names)
    months = [unit.month for unit, _ in loads]
    con.execute(f"DELETE FROM {spec.name} WHERE month IN (SELECT UNNEST(?::DATE[]))", [months])
    con.execute(
        f"""
        INSERT INTO {spec.name} (month, {names}, load_id)
        SELECT u.month, {cols}, u.load_id
        FROM read_parquet(?, filename = '_staged_file') f
        JOIN (SELECT UNNEST(?::VARCHAR[]) AS staged, UNNEST(?::DATE[]) AS month,
                     UNNEST(?::BIGINT[]) AS load_id) u
          ON f._staged_file = u.staged
        """,
        [
            [str(unit.staged) for unit, _ in loads],
            [str(unit.staged) for unit, _ in loads],
            months,
            [load_id for _, load_id in loads],
        ],
    )


def _insert(con: duckdb.DuckDBPyConnection, unit: MonthUnit, load_id: int) -> None:
    spec = unit.spec
    if spec.monthly:
        _insert_months(con, spec, [(unit, load_id)])
        return
    rows = "read_parquet(?)"
    staged = str(unit.staged)
    cols = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in spec.columns)
    names = ", ".join(spec.column_names)
    match = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in spec.replace_by)
    con.execute(
        f"DELETE FROM {spec.name} t WHERE EXISTS (SELECT 1 FROM {rows} f WHERE {match})",
        [staged],
    )
    con.execute(
        f"INSERT INTO {spec.name} ({names}, load_id) SELECT {cols}, ? FROM {rows}",
        [load_id, staged],
    )


def _written(
    con: duckdb.DuckDBPyConnection, units: list[MonthUnit], kind: str, refresh: bool
) -> None:
    """What follows writing ``units``, in the same transaction: the KPI values of their
    months (unless the caller works them out later) and the store's kind, if it had none."""
    units = [u for u in units if u.spec.figures]  # commentary: no KPI, no kind of figures
    if not units:
        return
    if refresh:
        _refresh_derived(con, units)
    con.execute("INSERT INTO store_meta VALUES ('kind', ?) ON CONFLICT DO NOTHING", [kind])


def _refresh_derived(con: duckdb.DuckDBPyConnection, units: list[MonthUnit]) -> None:
    """Tables computed from the returns are refreshed inside the same transaction."""
    months = sorted({u.month for u in units if u.month is not None})
    if months:
        store.kpi_layer().refresh(con, months, {u.spec.name for u in units})


def _kind_problem(con: duckdb.DuckDBPyConnection, kind: str) -> str | None:
    current = store.store_kind(con)
    if current is None or current == kind:
        return None
    if current == "demo":
        return (
            "This store holds demo data; real returns are never mixed with it. "
            "Point CSC_DB (or --db) at a new file for real returns."
        )
    return "This store holds real returns; demo data cannot be loaded into it."


def kept_path(db: Path, folder: str, fc: FileCheck) -> Path:
    """``<folder>/<time stamp>_<safe name>`` beside the store: a resent file never overwrites
    the one kept before it, and the name sent can never choose the place."""
    target = db.parent / folder
    target.mkdir(parents=True, exist_ok=True)
    return target / f"{datetime.now():%Y%m%d-%H%M%S-%f}_{fc.file_name}"


def _not_kept_because(fc: FileCheck) -> str | None:
    """Why only a file's report may be kept, or None when the file itself may be kept too."""
    if fc.held_personal_data:
        return NOT_KEPT_PERSONAL
    if any(p.check == "file_size" for p in fc.report.problems):
        return "The original file was not kept: it was over the size limit, so it was never read."
    if any(p.check == "file_format" for p in fc.report.problems):
        # Census XML, SSDA903 tables and the like carry names, dates of birth and postcodes
        # under headings no return declares: such a file is never copied.
        return "The original file was not kept: a file in another format may hold personal data."
    if not fc.identified:
        return NOT_KEPT_UNIDENTIFIED
    return None


def keep_report(target: Path, fc: FileCheck, not_kept: str | None = None) -> Path:
    """Write ``<target>.report.json``; ``not_kept`` says in it why the file is not beside it."""
    data = fc.report.to_dict()
    if not_kept:
        data["original_not_kept"] = not_kept
    report = target.with_name(target.name + ".report.json")
    report.write_text(json.dumps(data, indent=2), "utf-8")
    return report


def keep_rejected(db: Path, fc: FileCheck) -> Path:
    """Keep a rejected file and its report in ``rejected/`` beside the store.

    Returns the file's kept path (its report is that path + ``.report.json``). A file that
    held personal data, one too big to have been read, or one no declared return matched, is
    not copied: only its report is kept, so a refusal never becomes a second copy of
    children's details.
    """
    target = kept_path(db, "rejected", fc)
    not_kept = _not_kept_because(fc)
    if not_kept is None:
        if isinstance(fc.source, Path):
            shutil.copyfile(fc.source, target)  # streamed, whatever its size
        else:
            target.write_bytes(fc.source)
    keep_report(target, fc, not_kept)
    return target


def keep_processed(db: Path, path: Path, fc: FileCheck) -> Path:
    """Move a loaded drop-folder file into ``processed/`` beside the store.

    A file that held personal data is deleted instead (its personal columns were dropped
    while it was read, so the store never had them) and only its report is kept there.
    """
    target = kept_path(db, "processed", fc)
    if fc.held_personal_data:
        keep_report(target, fc, NOT_KEPT_PERSONAL)
        path.unlink()
    else:
        shutil.move(path, target)
    return target


def commit_checked(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    fc: FileCheck,
    source: str,
    user: str | None = None,
    kind: str = "real",
    replace: bool = False,
    refresh: bool = True,
) -> LoadResult:
    """Write one checked file in one transaction (``con`` from ``store.open_writer``).

    Every return-month the file fills is written in that one transaction, or none is.
    ``replace``: the analyst has said this file may take over months that a file of the
    other kind (monthly return / Annex A workbook) filled. ``refresh=False`` leaves
    ``kpi_values`` to the caller, for a store no reader sees until the caller has refreshed
    every month once (the demo build: one refresh instead of one per file).
    """
    changes: list[tuple[MonthUnit, PendingChange]] = []
    if fc.accepted and any(u.spec.figures for u in fc.units):  # words go in either kind
        refusal = _kind_problem(con, kind)
        if refusal:
            fc.report.problems.append(Finding("store_kind", refusal))
    if fc.accepted:
        fc.report.problems += actions.refusals(con, fc.units)
    if fc.accepted:
        changes = [(u, _change(con, u, fc.sha256)) for u in fc.units]
        if not replace:
            fc.report.problems += conflicts(changes)
        fc.report.problems += same_bytes_other_month(con, fc.sha256, fc.units)
    if not fc.accepted:
        kept = keep_rejected(db, fc)
        con.begin()
        load_id = _log(con, fc, None, "rejected", fc.report.summary(), source, user)
        audit.record(con, user, "load", fc.file_name, f"rejected: {fc.report.summary()}"[:500])
        con.commit()
        log.warning("rejected %s: %s", fc.file_name, fc.report.summary())
        message = fc.report.summary()
        if fc.held_personal_data:
            message = f"{message.rstrip('.')}. {NOT_KEPT_PERSONAL}"
        return LoadResult(
            fc.file_name,
            "rejected",
            fc.report,
            message,
            load_id,
            kept_at=kept,
            not_kept=_not_kept_because(fc),
        )
    con.begin()
    try:
        changed = [(u, c) for u, c in changes if c.kind != "unchanged"]
        for unit, change in changes:
            status = {"unchanged": "unchanged", "replace": "replaced", "new": "loaded"}[change.kind]
            reason = "identical to the file already loaded" if not changed else fc.report.summary()
            load_id = _log(con, fc, unit, status, reason, source, user)
            if change.kind != "unchanged":
                _insert(con, unit, load_id)
        status = _file_status(changes)
        audit.record(con, user, "load", fc.file_name, f"{status}: {fc.report.summary()}"[:500])
        if changed:
            _written(con, [u for u, _ in changed], kind, refresh)
        con.commit()
    except Exception:
        con.rollback()
        raise
    message = describe_changes(changes, done=True)
    log.info("%s %s (%d rows)", status, fc.file_name, fc.report.rows)
    return LoadResult(fc.file_name, status, fc.report, message, load_id)


def commit_all(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    checks: list[FileCheck],
    source: str,
    user: str | None = None,
    kind: str = "real",
    refresh: bool = True,
) -> list[LoadResult]:
    """Write checked files in order, each with the result ``commit_checked`` gives it when
    they are written one after another, in far fewer statements.

    A run of accepted files that only fill return-months the store has never had (and no
    other file of the run fills, nor with the same bytes) is written in one transaction:
    one load-log row and one audit row each, and each return's rows in one insert from the
    staged files. Any other file (refused, replacing or repeating a month, bytes loaded
    before, a reference table) goes through ``commit_checked`` in its place in the order.
    Per file, the statements and the transaction were most of a demo build's writing
    (22 ms a file, 486 files). A run is all or nothing, like a file: a crash leaves none of it.
    """
    results: list[LoadResult] = []
    run: list[FileCheck] = []
    months, shas = _loaded(con)
    other_kind = _kind_problem(con, kind) is not None
    for fc in checks:
        units = {(u.spec.name, u.month) for u in fc.units}
        new = (
            fc.accepted
            and all(u.spec.monthly and u.spec.figures for u in fc.units)
            and not units & months
            and fc.sha256 not in shas
            and not other_kind
        )
        if new:
            run.append(fc)
            months |= units
            shas.add(fc.sha256)
            continue
        results += _commit_run(con, run, source, user, kind, refresh)
        run = []
        results.append(commit_checked(con, db, fc, source, user, kind, refresh=refresh))
        months, shas = _loaded(con)
        other_kind = _kind_problem(con, kind) is not None
    return results + _commit_run(con, run, source, user, kind, refresh)


def _loaded(con: duckdb.DuckDBPyConnection) -> tuple[set[tuple[str, date]], set[str]]:
    """The return-months the store holds, and the bytes (sha256) any month was loaded from."""
    rows = con.execute(
        "SELECT DISTINCT return_type, month, sha256 FROM load_log "
        "WHERE month IS NOT NULL AND status IN ('loaded', 'replaced')"
    ).fetchall()
    return {(r, m) for r, m, _ in rows}, {sha for *_, sha in rows}


def _commit_run(
    con: duckdb.DuckDBPyConnection,
    run: list[FileCheck],
    source: str,
    user: str | None,
    kind: str,
    refresh: bool,
) -> list[LoadResult]:
    """Write ``run`` (files filling only new return-months, see ``commit_all``) in one
    transaction, logged and audited as ``commit_checked`` logs and audits each file."""
    if not run:
        return []
    units = [(fc, unit) for fc in run for unit in fc.units]
    ids = sorted(
        i
        for (i,) in con.execute(
            "SELECT nextval('load_id_seq') FROM range(?)", [len(units)]
        ).fetchall()
    )
    con.begin()
    try:
        con.executemany(
            _LOG_INSERT,
            [
                _log_row(load_id, fc, unit, "loaded", fc.report.summary(), source, user)
                for load_id, (fc, unit) in zip(ids, units, strict=True)
            ],
        )
        for fc in run:
            audit.record(con, user, "load", fc.file_name, f"loaded: {fc.report.summary()}"[:500])
        by_return: dict[str, list[tuple[MonthUnit, int]]] = {}
        for load_id, (_, unit) in zip(ids, units, strict=True):
            by_return.setdefault(unit.spec.name, []).append((unit, load_id))
        for loads in by_return.values():
            _insert_months(con, loads[0][0].spec, loads)
        _written(con, [unit for _, unit in units], kind, refresh)
        con.commit()
    except Exception:
        con.rollback()
        raise
    last_id = dict(zip((id(fc) for fc, _ in units), ids, strict=True))  # a file's last unit's
    results = []
    for fc in run:
        log.info("loaded %s (%d rows)", fc.file_name, fc.report.rows)
        changes = [(unit, PendingChange("new")) for unit in fc.units]
        message = describe_changes(changes, done=True)
        results.append(LoadResult(fc.file_name, "loaded", fc.report, message, last_id[id(fc)]))
    return results


def _file_status(changes: list[tuple[MonthUnit, PendingChange]]) -> str:
    kinds = {c.kind for _, c in changes}
    if kinds == {"unchanged"}:
        return "unchanged"
    return "replaced" if "replace" in kinds else "loaded"


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every file inside any folders given (not hidden ones, nor Excel's
    ~$ lock files), in name order: each gets a verdict, whatever its kind."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
            )
        else:
            out.append(path)
    return out


def group_sets(items: list[T], name_and_source: Callable[[T], tuple[str, Source]]) -> list[list[T]]:
    """Items (files, uploads) in order, each alone, except SSDA903 tables and SSD tables:
    those of one source given together are one set (in the place of the first), since a
    year's 903 tables, or a night's SSD extract, are checked and loaded together."""
    sets: dict[object, list[T]] = {}
    out: list[list[T]] = []
    for item in items:
        tables = set_source(*name_and_source(item))
        if tables is None:
            out.append([item])
        elif tables not in sets:
            sets[tables] = [item]
            out.append(sets[tables])
        else:
            sets[tables].append(item)
    return out


def ssda903_sets(files: list[Path]) -> list[list[Path]]:
    """Files grouped as ``group_sets`` groups them (the loader's and the drop folder's)."""
    return group_sets(files, lambda p: (p.name, p))


def load_paths(
    db: Path,
    paths: Iterable[Path],
    source: str = "cli",
    user: str | None = None,
    kind: str = "real",
    move_to_processed: bool = False,
    progress: Progress | None = None,
    timeout: float = 30.0,
    as_at: date | None = None,
    replace: bool = False,
) -> list[LoadResult]:
    """Check and load files (and folders of files), one transaction each, under one lock.

    ``timeout`` is how long to wait for another load to finish before ``store.StoreBusy``.
    ``as_at`` is an Annex A workbook's list date when its name does not give it; ``replace``
    lets a file take over months a file of the other kind filled (see ``conflicts``).
    Kept files past the council's ``retention_days`` are deleted first, so a scheduled load
    or the drop folder keeps ``rejected/`` and ``processed/`` within the policy unattended.
    """
    retention.tidy(db, retention.configured_days())
    files = expand_paths(paths)
    results: list[LoadResult] = []
    with store.open_writer(db, timeout) as con:
        for i, group in enumerate(ssda903_sets(files)):
            if progress:
                progress(i / max(len(files), 1), f"Loading {group[0].name}")
            if len(group) > 1:
                fc = check_ssda903([(p.name, p) for p in group], as_at)
            else:
                fc = check_path(group[0], as_at)
            try:
                result = commit_checked(con, db, fc, source, user, kind, replace)
            finally:
                fc.discard()
            results.append(result)
            for path in group:
                if result.status == "rejected" and move_to_processed:
                    path.unlink()
                elif move_to_processed:
                    result.kept_at = keep_processed(db, path, fc)
            if move_to_processed and result.ok and fc.held_personal_data:
                result.not_kept = NOT_KEPT_PERSONAL
                result.message += f" {NOT_KEPT_PERSONAL}"
    if progress:
        progress(1.0, "Done")
    return results


def load_backlog(
    db: Path, paths: Iterable[Path], source: str = "cli", kind: str = "real"
) -> list[LoadResult]:
    """A backlog of files (months of every return, as a council starting out has) checked a
    return at a time (``check_paths``) and written as ``commit_all`` writes them: the same
    results as ``load_paths`` gives them file by file, in a few transactions, each all or
    nothing. Thirteen months of the demo's returns (206 files) took 116 s file by file and
    27 s so, with the same figures: file by file is a Great Expectations run and a refresh of
    every KPI a file. No SSDA903 sets, no
    ``replace``: a file that needs either goes through ``load_paths``."""
    retention.tidy(db, retention.configured_days())
    checks = check_paths(expand_paths(paths))
    try:
        with store.open_writer(db) as con:
            return commit_all(con, db, checks, source, kind=kind)
    finally:
        for fc in checks:
            fc.discard()


def print_results(results: list[LoadResult]) -> int:
    """Print each file's outcome for a command line; 1 if any file was rejected, else 0.

    A scheduled job or an analyst's script tells from the exit status alone that a file
    needs attention; the printed reports say which and why.
    """
    bad = 0
    for r in results:
        if r.status == "rejected":
            bad += 1
            print(r.report.to_text())
            if r.kept_at and r.not_kept:
                print(f"  {r.not_kept} Report: {r.kept_at}.report.json")
            elif r.kept_at:
                print(f"  Kept in {r.kept_at} with its report ({r.kept_at.name}.report.json).")
        else:
            print(f"{r.file_name}: {r.status} — {r.message}")
            for item in r.report.lists:
                print(f"  · {item}")
            for w in r.report.warnings:
                print(f"  ! {w.line()}")
    loaded = sum(r.status in ("loaded", "replaced") for r in results)
    unchanged = sum(r.status == "unchanged" for r in results)
    print(f"{len(results)} file(s): {loaded} loaded, {unchanged} unchanged, {bad} rejected.")
    return 1 if bad else 0
