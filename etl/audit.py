"""The audit trail: who loaded a return or took child-level rows away, what, and when.

One table, ``audit``, in the master store. Loads write their audit row inside the load's own
transaction (so a load and its audit row commit together or not at all). A row-level
download is recorded *before* its bytes are handed over, under the store's writer lock
(``record_now``); if the row cannot be written, the download does not happen. Only
identifiers of files and figures are recorded — never row contents.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from etl import store

#: The actions recorded. ``load`` covers every load attempt, refused ones included.
ACTIONS = ("load", "row_download", "export")
#: Seconds a download waits for a running load to finish before it is refused.
DOWNLOAD_WAIT = 10.0


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit table if missing (called by ``store.ensure_schema``)."""
    con.execute("CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit (
            audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
            happened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            who VARCHAR NOT NULL,     -- signed-in e-mail, or os:<account> for the CLI/watcher
            action VARCHAR NOT NULL,  -- load / row_download / export
            what VARCHAR NOT NULL,    -- file name, or the figure whose rows were taken
            detail VARCHAR            -- outcome and size: never row contents
        )
        """
    )


def os_actor() -> str:
    """Who ran a command-line or drop-folder load: the operating-system account."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "os:unknown"


def record(
    con: duckdb.DuckDBPyConnection, who: str | None, action: str, what: str, detail: str = ""
) -> None:
    """Add one audit row on ``con`` (a writer connection, inside the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute(
        "INSERT INTO audit (who, action, what, detail) VALUES (?, ?, ?, ?)",
        [who or os_actor(), action, what, detail],
    )


def record_now(db: Path, who: str, action: str, what: str, detail: str = "") -> None:
    """Record one action straight away under the writer lock, without republishing.

    Raises ``store.StoreBusy`` if a load holds the store for longer than ``DOWNLOAD_WAIT``:
    callers hand over nothing in that case.
    """
    with store.open_writer(db, timeout=DOWNLOAD_WAIT, publish=False) as con:
        con.begin()
        record(con, who, action, what, detail)
        con.commit()


def audited(
    db: Path, who: str, action: str, what: str, make: Callable[[], bytes]
) -> Callable[[], bytes]:
    """A download's bytes, made only once the download has been recorded.

    Pass the result as ``st.download_button(data=...)``: Streamlit calls it when the user
    clicks, so a page view that is never downloaded is not recorded, and a download whose
    audit row cannot be written (store busy) fails instead of going unrecorded.
    """

    def produce() -> bytes:
        data = make()
        record_now(db, who, action, what, f"{len(data):,} bytes")
        return data

    return produce


def entries(db: Path, limit: int = 1000) -> pd.DataFrame:
    """The latest audit rows, newest first, read from the master under the writer lock.

    The published snapshot may lag (downloads do not republish it), so an administrator's
    audit view reads the master itself.
    """
    with store.open_writer(db, publish=False) as con:
        return con.execute(
            "SELECT audit_id, happened_at, who, action, what, detail FROM audit "
            "ORDER BY audit_id DESC LIMIT ?",
            [limit],
        ).df()
