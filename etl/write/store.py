"""The DuckDB store: where it lives, its schema, and how writers and readers share it.

DuckDB lets one process hold a database file read-write, and while it does no other process
can open that file at all, not even read-only. A dashboard that reads while analysts load
would either block loads or be blocked by them. So the store is two files:

* the **master** (``data/csc.duckdb`` or ``$CSC_DB``), opened only by loaders, one at a time,
  under an OS file lock (``<master>.lock``) that the kernel frees if a loader dies;
* the **published snapshot** (``<stem>.snapshot.duckdb`` beside it), a checkpointed copy of
  the master made after each committed load and swapped in with an atomic rename. Readers
  open only the snapshot, read-only, so they never wait for a load and never see half of one:
  a reader holds either the old file or the new one.

A loader killed at any point leaves the master's last commit (DuckDB rolls back an
uncommitted transaction from its write-ahead log) and the last published snapshot intact;
the lock dies with the process. See docs/concurrency.md.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from etl.returns import all_returns
from etl.workdays import calendar_frame

DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "csc.duckdb"
SCHEMA_VERSION = "1"


class StoreBusy(RuntimeError):
    """Another load holds the store; the caller should retry shortly."""


class StoreMissing(FileNotFoundError):
    """No store has been built at the configured path yet."""


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The master database path: an explicit argument, else ``$CSC_DB``, else the default."""
    chosen = explicit or os.environ.get("CSC_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def snapshot_path(db: Path) -> Path:
    """Where the read-only published copy of ``db`` lives."""
    return db.with_name(f"{db.stem}.snapshot{db.suffix or '.duckdb'}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table the store needs, if missing. Safe to call on every open."""
    for spec in all_returns().values():
        cols = ", ".join(f"{c.name} {c.sql_type}" for c in spec.columns)
        month = "month DATE NOT NULL, " if spec.monthly else ""
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {spec.name} ({month}{cols}, load_id BIGINT NOT NULL)"
        )
        # A column declared after the store was made (always optional) is added to it, so
        # an existing store keeps loading; rows are inserted by column name (etl.write.load).
        for c in spec.columns:
            con.execute(f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS {c.name} {c.sql_type}")
    con.execute("CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS load_log (
            load_id BIGINT PRIMARY KEY DEFAULT nextval('load_id_seq'),
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR,
            return_type VARCHAR,
            month DATE,
            rows BIGINT,
            status VARCHAR NOT NULL,   -- loaded / replaced / unchanged / rejected
            reason VARCHAR,
            warnings INTEGER DEFAULT 0,
            report VARCHAR,            -- the validation report as JSON
            source VARCHAR,            -- cli / upload / watch / demo
            loaded_by VARCHAR,
            loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )
        """
    )
    # Where a load's rows came from: a monthly return, or a list of an Ofsted Annex A
    # workbook. Months from one are never silently replaced by the other (double counting).
    con.execute("ALTER TABLE load_log ADD COLUMN IF NOT EXISTS origin VARCHAR")
    con.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(
        "INSERT INTO store_meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
        [SCHEMA_VERSION],
    )
    has_calendar = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'calendar'"
    ).fetchone()[0]
    if not has_calendar:
        cal = calendar_frame()  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(
            "CREATE TABLE calendar AS SELECT date::DATE AS date, is_working_day, "
            "working_day_no FROM cal ORDER BY date"
        )
    ensure_audit_table(con)
    kpi_layer().ensure_table(con)


def kpi_layer():
    """``metrics.materialise``: the one import from etl up into metrics.

    The KPI values table lives in the master store and is made, and refreshed, inside a
    load's own transaction, so a published snapshot never has returns and KPI values out of
    step. Imported when called (never when ``etl`` is imported), so the layers stay
    etl <- metrics with no import circle; ``etl.write.load`` refreshes through it the same way.
    """
    from metrics import materialise

    return materialise


def ensure_audit_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit table if missing (``etl.write.audit`` writes and reads it)."""
    con.execute("CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit (
            audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
            happened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            who VARCHAR NOT NULL,     -- signed-in e-mail, or os:<account> for the CLI/watcher
            action VARCHAR NOT NULL,  -- load / row_download / export / settings / commentary
            what VARCHAR NOT NULL,    -- file name, figure whose rows were taken, or settings
            detail VARCHAR            -- outcome and size, or before -> after: never row contents
        )
        """
    )


def store_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    """``demo`` or ``real`` once anything is loaded; demo and real loads never share a store."""
    row = con.execute("SELECT value FROM store_meta WHERE key = 'kind'").fetchone()
    return row[0] if row else None


def _lock_file(db: Path, timeout: float):
    db.parent.mkdir(parents=True, exist_ok=True)
    handle = open(db.with_name(db.name + ".lock"), "a+")  # noqa: SIM115 - held for the load
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise StoreBusy(
                    "Another load is running on this store. Nothing was changed; "
                    "try again in a minute."
                ) from None
            time.sleep(0.1)


def _publish(db: Path) -> None:
    """Copy the checkpointed master to a temporary file, then rename it over the snapshot."""
    target = snapshot_path(db)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.copyfile(db, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def _clear_stale_temp_files(db: Path) -> None:
    for stale in db.parent.glob(f".{snapshot_path(db).name}.tmp-*"):
        stale.unlink(missing_ok=True)


@contextmanager
def open_writer(
    db: Path, timeout: float = 30.0, publish: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one read-write connection, under the store lock; publishes a snapshot on success.

    Work inside should run in an explicit transaction; if the block raises, nothing is
    published and the uncommitted work is rolled back when the connection closes.
    ``publish=False`` is for writes readers need not see at once (the audit trail), so that
    they do not invalidate every reader's cache.
    """
    lock = _lock_file(db, timeout)
    try:
        _clear_stale_temp_files(db)
        con = duckdb.connect(str(db))
        try:
            ensure_schema(con)
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if publish or not snapshot_path(db).exists():
            _publish(db)
    finally:
        lock.close()


def ensure_published(db: Path, timeout: float = 30.0) -> None:
    """Publish a snapshot if there is a master but no snapshot yet (e.g. after a crash)."""
    if snapshot_path(db).exists() or not db.exists():
        return
    with open_writer(db, timeout):
        pass


def _last_load(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT COALESCE(max(load_id), 0) FROM load_log").fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()


def republish_if_behind(db: Path) -> bool:
    """Publish again when the master holds loads the snapshot lacks; True if it did.

    A load killed after its commit but before its publish leaves readers one load behind
    (``etl status`` would say a loaded month is missing). The check costs nothing unless the
    master is newer than the snapshot, and never waits: if a loader holds the store, that
    loader will publish.
    """
    snapshot = snapshot_path(db)
    if not (db.exists() and snapshot.exists()):
        return False
    if db.stat().st_mtime <= snapshot.stat().st_mtime:
        return False
    try:
        lock = _lock_file(db, timeout=0)
    except StoreBusy:
        return False
    try:
        if _last_load(db) <= _last_load(snapshot):
            return False  # newer only by the audit trail, which readers need not see at once
        con = duckdb.connect(str(db))  # replays a write-ahead log the killed load left
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _publish(db)
        return True
    finally:
        lock.close()


#: Snapshots already seen to hold every declared return's table (by ``snapshot_version``)
_UP_TO_DATE: set[str] = set()


def _add_new_returns(db: Path) -> None:
    """Give a store made before a return was declared that return's (empty) table.

    Readers' SQL names every declared return (the overview counts every KPI), so a council's
    store from the version before, say, child protection reviews were added failed with
    DuckDB's "Catalog Error" until something was loaded. The writer's ``ensure_schema``
    makes the tables and publishes; it runs once per such snapshot, and the check costs a
    catalogue query once per published snapshot.
    """
    version = snapshot_version(db)
    if version in _UP_TO_DATE:
        return
    con = duckdb.connect(str(snapshot_path(db)), read_only=True)
    try:
        have = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    if set(all_returns()) - have:
        with open_writer(db):
            pass
    _UP_TO_DATE.add(snapshot_version(db))


def open_reader(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published snapshot; it never waits for a loader (except
    once, to add the tables of returns declared since an older store was made)."""
    if not snapshot_path(db).exists():
        if not db.exists():
            raise StoreMissing(f"No store at {db}. Load returns with `python -m etl load`.")
        ensure_published(db)
    else:
        republish_if_behind(db)
    _add_new_returns(db)
    return duckdb.connect(str(snapshot_path(db)), read_only=True)


def snapshot_version(db: Path) -> str:
    """Changes whenever a new snapshot is published: the key for readers' caches."""
    try:
        st = snapshot_path(db).stat()
    except FileNotFoundError:
        return "none"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def install(built: Path, db: Path, timeout: float = 30.0) -> None:
    """Put a store built elsewhere (``built`` and its published snapshot) in place of ``db``.

    For a store that must appear whole or not at all (the demo's first start). Under the
    store lock, so no load is half way through the old master: the old snapshot goes first
    (a reader meanwhile finds none and publishes one from the master, under the same lock,
    so after the swap), then the old master's write-ahead log (it would be replayed onto
    the new file), then the new master and snapshot are renamed into place. A crash part
    way leaves either the old master or the new one, never a mixture.
    """
    lock = _lock_file(db, timeout)
    try:
        snapshot_path(db).unlink(missing_ok=True)
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        os.replace(built, db)
        os.replace(snapshot_path(built), snapshot_path(db))
    finally:
        lock.close()
