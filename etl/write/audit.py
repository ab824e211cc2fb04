"""The audit trail: who loaded a return, took child-level rows away or changed the council's
settings, what, and when.

One table, ``audit``, in the master store. Loads write their audit row inside the load's own
transaction (so a load and its audit row commit together or not at all). A row-level
download is recorded *before* its bytes are handed over, under the store's writer lock
(``record_now``); if the row cannot be written, the download does not happen. A settings
change is made inside ``recording``, so the file is only rewritten while its audit row is
pending, and the row is committed only if the rewrite succeeded. Only identifiers of files,
figures and settings are recorded — never row contents.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from etl.english import uk_date
from etl.write import store

#: The actions recorded. ``load`` covers every load attempt, refused ones included.
ACTIONS = ("load", "row_download", "export", "settings", "commentary")
#: Seconds a download waits for a running load to finish before it is refused.
DOWNLOAD_WAIT = 10.0


#: Create the audit table if missing: the table is made with the rest of the store's schema
#: (``store.ensure_schema``), so the store need not import this module.
ensure_table = store.ensure_audit_table


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


@contextmanager
def recording(
    db: Path, who: str, action: str, what: str, detail: str = "", timeout: float | None = None
) -> Iterator[None]:
    """Do something with its audit row pending: the row is committed only if the block ends
    without an error, and the block does not run at all if the row cannot be written.

    Holds the writer lock throughout (so two such actions never interleave) without
    republishing the read snapshot. Raises ``store.StoreBusy`` if a load holds the store for
    longer than ``timeout`` (default ``DOWNLOAD_WAIT``).
    """
    wait = DOWNLOAD_WAIT if timeout is None else timeout
    with store.open_writer(db, timeout=wait, publish=False) as con:
        con.begin()
        record(con, who, action, what, detail)
        yield
        con.commit()


def record_now(db: Path, who: str, action: str, what: str, detail: str = "") -> None:
    """Record one action straight away under the writer lock, without republishing.

    Raises ``store.StoreBusy`` if a load holds the store for longer than ``DOWNLOAD_WAIT``:
    callers hand over nothing in that case.
    """
    with recording(db, who, action, what, detail):
        pass


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


def entries(
    db: Path,
    limit: int = 1000,
    *,
    action: str | None = None,
    who: str | None = None,
    since: date | None = None,
    until: date | None = None,
    timeout: float = 30.0,
) -> pd.DataFrame:
    """The latest audit rows, newest first, read from the master under the writer lock.

    Filters: one ``action``, one ``who`` (case-insensitive), and days from ``since`` up to and
    including ``until``. The published snapshot may lag (downloads and settings changes do not
    republish it), so an administrator's audit view reads the master itself. Raises
    ``store.StoreMissing`` rather than creating an empty store at a mistyped path.
    """
    if not db.exists():
        raise store.StoreMissing(f"No store at {db}.")
    where, params = ["TRUE"], []
    if action:
        where.append("action = ?")
        params.append(action)
    if who:
        where.append("lower(who) = lower(?)")
        params.append(who)
    if since:
        where.append("happened_at >= ?")
        params.append(since)
    if until:
        where.append("happened_at < ?")
        params.append(until + timedelta(days=1))
    with store.open_writer(db, timeout=timeout, publish=False) as con:
        return con.execute(
            "SELECT audit_id, happened_at, who, action, what, detail FROM audit "
            f"WHERE {' AND '.join(where)} ORDER BY audit_id DESC LIMIT ?",
            [*params, limit],
        ).df()


def people(db: Path, timeout: float = 30.0) -> list[str]:
    """Everyone with an audit row, for a filter's choices."""
    if not db.exists():
        raise store.StoreMissing(f"No store at {db}.")
    with store.open_writer(db, timeout=timeout, publish=False) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT who FROM audit ORDER BY who").fetchall()]


#: The actions in words, for the audit page and the command line.
ACTION_LABELS = {
    "load": "Load",
    "row_download": "Child-level download",
    "export": "Export",
    "settings": "Settings change",
    "commentary": "Commentary and action written",
}


def when_text(moment: object) -> str:
    """``31 May 2021, 14:05``: an audit time as the page and the command line show it."""
    stamp = pd.Timestamp(moment)
    return f"{uk_date(stamp)}, {stamp:%H:%M}"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Audit rows for people: UK dates, actions in words, plain column headings."""
    return pd.DataFrame(
        {
            "When": [when_text(t) for t in frame["happened_at"]],
            "Who": frame["who"],
            "Action": [ACTION_LABELS.get(a, a) for a in frame["action"]],
            "What": frame["what"],
            "Detail": frame["detail"].fillna(""),
        }
    )
