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
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl import audit, store
from etl.reader import Source, read_return, safe_name
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
    """A file that has been read and checked but not yet written.

    Its typed rows wait in a private staging folder until they are loaded; the folder goes
    when the check is discarded or garbage-collected (an upload checked and never loaded).
    """

    file_name: str  # safe bare name: never decides where anything is written
    source: Source  # the file on disk, or an upload's bytes
    sha256: str
    report: ValidationReport
    checked: CheckedReturn | None  # None when the file could not even be read as a return
    stage: Path | None = None

    def __post_init__(self) -> None:
        if self.stage is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.stage, True)

    def discard(self) -> None:
        """Remove the staged rows now (they are not needed once loaded or refused)."""
        if self.stage is not None:
            self._cleanup()

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


def _sha256(source: Source) -> str:
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
        return digest.hexdigest()
    with source.open("rb") as fh:  # streamed, whatever the file's size
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(name: str, source: Source) -> FileCheck:
    """Read and check one file (a path, streamed; or an upload's bytes); writes nothing to
    the store. A file over the size limit is refused before any of it is parsed."""
    name = safe_name(name)
    digest = _sha256(source)
    stage = Path(tempfile.mkdtemp(prefix="csc-stage-"))
    try:
        checked = check_return(read_return(name, source), stage)
    except FileRejected as exc:
        shutil.rmtree(stage, ignore_errors=True)
        report = ValidationReport(file_name=name, problems=[exc.finding])
        return FileCheck(name, source, digest, report, None)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return FileCheck(name, source, digest, checked.report, checked, stage)


def check_path(path: Path) -> FileCheck:
    """Check a file on disk without reading it into memory."""
    return check_file(path.name, path)


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
    rows = "read_parquet(?)"
    staged = str(fc.checked.staged)
    cols = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in spec.columns)
    if spec.monthly:
        con.execute(f"DELETE FROM {spec.name} WHERE month = ?", [fc.month])
        con.execute(
            f"INSERT INTO {spec.name} SELECT CAST(? AS DATE), {cols}, ? FROM {rows}",
            [fc.month, load_id, staged],
        )
        return
    match = " AND ".join(f"f.{c} IS NOT DISTINCT FROM t.{c}" for c in spec.replace_by)
    con.execute(
        f"DELETE FROM {spec.name} t WHERE EXISTS (SELECT 1 FROM {rows} f WHERE {match})",
        [staged],
    )
    con.execute(f"INSERT INTO {spec.name} SELECT {cols}, ? FROM {rows}", [load_id, staged])


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
    # An over-size file was never read, so it is not copied either: only its report is kept.
    if not any(p.check == "file_size" for p in fc.report.problems):
        if isinstance(fc.source, Path):
            shutil.copyfile(fc.source, target)  # streamed, whatever its size
        else:
            target.write_bytes(fc.source)
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
            try:
                result = commit_checked(con, db, fc, source, user, kind)
            finally:
                fc.discard()
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
