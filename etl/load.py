"""Load checked returns into the store: one transaction per file, every attempt logged.

The steps for each file are always the same, whoever calls (CLI, drop-folder watcher,
upload page, demo builder): read → check (types + expectation suite) → write in one
transaction (replace the return's month, refresh the pre-computed KPIs, log) → keep the file
(rejected files beside a readable report; drop-folder files moved to ``processed/``).
A rejected file changes nothing but the ``load_log`` row that records the rejection.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl import audit, store
from etl.reader import read_return, refuse_oversize, safe_name
from etl.report import FileRejected, Finding, ValidationReport
from etl.returns import ReturnSpec
from etl.validate import CheckedReturn, check_return

log = logging.getLogger(__name__)

RETURN_FILE_TYPES = (".csv", ".xlsx", ".txt")
#: The demo council's benchmarks (England, region, fictional neighbours), loaded with its returns.
DEMO_BENCHMARKS = (
    Path(__file__).resolve().parent.parent / "data" / "reference" / "northmoor_benchmarks.csv"
)
Progress = Callable[[float, str], None]


@dataclass
class FileCheck:
    """A file that has been read and checked but not yet written."""

    file_name: str  # safe bare name: never decides where anything is written
    data: bytes
    sha256: str
    report: ValidationReport
    checked: CheckedReturn | None  # None when the file could not even be read as a return

    @property
    def accepted(self) -> bool:
        return self.checked is not None and self.report.accepted

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

    def describe(self, rows: int, what: str) -> str:
        if self.kind == "unchanged":
            return f"{what} is already loaded from an identical file — nothing will change."
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
    kept_at: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


def check_file(name: str, data: bytes) -> FileCheck:
    """Read and check one file's bytes; writes nothing anywhere."""
    name = safe_name(name)
    digest = hashlib.sha256(data).hexdigest()
    try:
        raw = read_return(name, data)
    except FileRejected as exc:
        report = ValidationReport(file_name=name, problems=[exc.finding])
        return FileCheck(name, data, digest, report, None)
    checked = check_return(raw)
    return FileCheck(name, data, digest, checked.report, checked)


def check_path(path: Path) -> FileCheck:
    """Check a file on disk, refusing one over the size limit before reading a byte of it."""
    try:
        refuse_oversize(path.stat().st_size)
    except FileRejected as exc:
        digest = hashlib.sha256()
        with path.open("rb") as fh:  # streamed: the log still identifies the exact file
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        report = ValidationReport(file_name=safe_name(path.name), problems=[exc.finding])
        return FileCheck(report.file_name, b"", digest.hexdigest(), report, None)
    return check_file(path.name, path.read_bytes())


def _what(fc: FileCheck) -> str:
    spec = fc.spec
    if spec is None:
        return fc.file_name
    return f"{spec.title} for {fc.month:%B %Y}" if fc.month else spec.title


def _previous(con: duckdb.DuckDBPyConnection, fc: FileCheck) -> tuple | None:
    """The load that currently provides this return-month: (sha256, load_id, loaded_at)."""
    return con.execute(
        """
        SELECT sha256, load_id, loaded_at FROM load_log
        WHERE return_type = ? AND month IS NOT DISTINCT FROM ?
          AND status IN ('loaded', 'replaced')
        ORDER BY load_id DESC LIMIT 1
        """,
        [fc.spec.name, fc.month],
    ).fetchone()


def _current_rows(con: duckdb.DuckDBPyConnection, fc: FileCheck) -> int:
    if fc.month is None:
        return con.execute(f"SELECT count(*) FROM {fc.spec.name}").fetchone()[0]
    return con.execute(
        f"SELECT count(*) FROM {fc.spec.name} WHERE month = ?", [fc.month]
    ).fetchone()[0]


def _change(con: duckdb.DuckDBPyConnection, fc: FileCheck) -> PendingChange:
    prev = _previous(con, fc)
    if prev is None:
        return PendingChange("new")
    if prev[0] == fc.sha256:
        return PendingChange("unchanged")
    return PendingChange("replace", _current_rows(con, fc), prev[2])


def pending_change(db: Path, fc: FileCheck) -> PendingChange:
    """What loading ``fc`` would do, read from the published snapshot (no lock taken)."""
    if not fc.accepted:
        raise ValueError("only an accepted file can be previewed")
    try:
        con = store.open_reader(db)
    except store.StoreMissing:
        return PendingChange("new")
    try:
        return _change(con, fc)
    finally:
        con.close()


def _log(con, fc: FileCheck, status: str, reason: str, source: str, user: str | None) -> int:
    load_id = con.execute("SELECT nextval('load_id_seq')").fetchone()[0]
    con.execute(
        """
        INSERT INTO load_log (load_id, file_name, sha256, return_type, month, rows, status,
                              reason, warnings, report, source, loaded_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            load_id,
            fc.file_name,
            fc.sha256,
            fc.spec.name if fc.spec else None,
            fc.month,
            fc.report.rows,
            status,
            reason,
            len(fc.report.warnings),
            fc.report.to_json(),
            source,
            user,
        ],
    )
    audit.record(con, user, "load", fc.file_name, f"{status}: {reason}"[:500])
    return load_id


def _insert(con: duckdb.DuckDBPyConnection, fc: FileCheck, load_id: int) -> None:
    spec = fc.spec
    frame = fc.checked.frame  # noqa: F841 - read by DuckDB's replacement scan below
    cols = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in spec.columns)
    if spec.monthly:
        con.execute(f"DELETE FROM {spec.name} WHERE month = ?", [fc.month])
        con.execute(
            f"INSERT INTO {spec.name} SELECT CAST(? AS DATE), {cols}, ? FROM frame",
            [fc.month, load_id],
        )
        return
    match = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in spec.replace_by)
    con.execute(f"DELETE FROM {spec.name} t WHERE EXISTS (SELECT 1 FROM frame f WHERE {match})")
    con.execute(f"INSERT INTO {spec.name} SELECT {cols}, ? FROM frame", [load_id])


def _refresh_derived(con: duckdb.DuckDBPyConnection, fc: FileCheck) -> None:
    """Tables computed from the returns are refreshed inside the same transaction."""
    from metrics.materialise import refresh

    if fc.month is not None:
        refresh(con, [fc.month])


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


def keep_rejected(db: Path, fc: FileCheck) -> Path:
    """Keep a rejected file and its report in ``rejected/`` beside the store."""
    target = kept_path(db, "rejected", fc)
    if not any(p.check == "file_size" for p in fc.report.problems):
        target.write_bytes(fc.data)  # an over-size file was never read: only its report is kept
    target.with_name(target.name + ".report.json").write_text(fc.report.to_json(), "utf-8")
    return target


def commit_checked(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    fc: FileCheck,
    source: str,
    user: str | None = None,
    kind: str = "real",
) -> LoadResult:
    """Write one checked file in one transaction (``con`` from ``store.open_writer``)."""
    if fc.accepted:
        refusal = _kind_problem(con, kind)
        if refusal:
            fc.report.problems.append(Finding("store_kind", refusal))
    if not fc.accepted:
        kept = keep_rejected(db, fc)
        con.begin()
        load_id = _log(con, fc, "rejected", fc.report.summary(), source, user)
        con.commit()
        log.warning("rejected %s: %s", fc.file_name, fc.report.summary())
        return LoadResult(fc.file_name, "rejected", fc.report, fc.report.summary(), load_id, kept)
    con.begin()
    try:
        change = _change(con, fc)
        if change.kind == "unchanged":
            load_id = _log(
                con, fc, "unchanged", "identical to the file already loaded", source, user
            )
            con.commit()
            message = change.describe(fc.report.rows, _what(fc))
            return LoadResult(fc.file_name, "unchanged", fc.report, message, load_id)
        status = "replaced" if change.kind == "replace" else "loaded"
        load_id = _log(con, fc, status, fc.report.summary(), source, user)
        _insert(con, fc, load_id)
        _refresh_derived(con, fc)
        con.execute("INSERT INTO store_meta VALUES ('kind', ?) ON CONFLICT DO NOTHING", [kind])
        con.commit()
    except Exception:
        con.rollback()
        raise
    message = change.describe(fc.report.rows, _what(fc)).replace("Replaces", "Replaced")
    message = message.replace("New:", "Loaded:")
    log.info("%s %s (%d rows)", status, fc.file_name, fc.report.rows)
    return LoadResult(fc.file_name, status, fc.report, message, load_id)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the return files inside any folders given, in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix.lower() in RETURN_FILE_TYPES)
        else:
            out.append(path)
    return out


def load_paths(
    db: Path,
    paths: Iterable[Path],
    source: str = "cli",
    user: str | None = None,
    kind: str = "real",
    move_to_processed: bool = False,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> list[LoadResult]:
    """Check and load files (and folders of files), one transaction each, under one lock.

    ``timeout`` is how long to wait for another load to finish before ``store.StoreBusy``.
    """
    files = expand_paths(paths)
    results: list[LoadResult] = []
    with store.open_writer(db, timeout) as con:
        for i, path in enumerate(files):
            if progress:
                progress(i / max(len(files), 1), f"Loading {path.name}")
            fc = check_path(path)
            result = commit_checked(con, db, fc, source, user, kind)
            results.append(result)
            if result.status == "rejected" and move_to_processed:
                path.unlink()
            elif move_to_processed:
                result.kept_at = kept_path(db, "processed", fc)
                shutil.move(path, result.kept_at)
    if progress:
        progress(1.0, "Done")
    return results


def build_demo(
    db: Path,
    months: int = 36,
    seed: int = 2021,
    scale: int = 1,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Generate the fictional demo council's returns and load them into a demo store."""
    from etl.demo import write_returns

    with tempfile.TemporaryDirectory(prefix="csc-demo-") as tmp:
        if progress:
            progress(0.0, "Generating the demo council's returns")
        files = write_returns(Path(tmp), months=months, seed=seed, scale=scale)
        return load_paths(
            db, [*files, DEMO_BENCHMARKS], source="demo", kind="demo", progress=progress
        )
