"""Cached reads of the published snapshot, shared by every module of the read API.

A query's result is cached under the store's path and snapshot version: a new load
publishes a new snapshot, the version changes and the next read sees the new data, while a
page redrawn by many sessions between loads costs one query.

Queries share one read-only connection per store, opened for the snapshot version they ask
for. A fresh connection per query cost more than the query at 153 councils (DuckDB reads the
file's metadata and pages again each time). The connection is used under a lock: Streamlit
runs sessions in threads, a DuckDB connection is not for concurrent use, and the old
connection must be closed, with no query still running on it, before the new snapshot is
opened. DuckDB keeps one database instance per path in a process, and the new snapshot has
the old one's path (it is renamed over it), so a still-open old connection would be handed
back instead of the new file. The queries are tens of milliseconds and DuckDB already uses
every core for each, so taking them one at a time costs little.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from etl.write import store
from metrics.formatting import as_dates  # also imported from here by older callers

T = TypeVar("T")
MAX_OPEN = 4  # stores held open at once (the app reads one; tests and the CLI a few)

_lock = threading.Lock()
_open: OrderedDict[str, tuple[str, duckdb.DuckDBPyConnection]] = OrderedDict()


def key(db: Path | str) -> tuple[str, str]:
    """The cache key of a store: its resolved path and current snapshot version."""
    path = Path(db).resolve()
    return str(path), store.snapshot_version(path)


def _close(db: str) -> None:
    _, con = _open.pop(db)
    con.close()


def _connection(db: str, version: str) -> duckdb.DuckDBPyConnection:
    """The open connection for this snapshot version; called with the lock held."""
    held = _open.get(db)
    if held is not None and held[0] == version:
        _open.move_to_end(db)
        return held[1]
    if held is not None:
        _close(db)  # before opening the new file at the same path (see the module's note)
    con = store.open_reader(Path(db))
    _open[db] = (version, con)
    while len(_open) > MAX_OPEN:
        _close(next(iter(_open)))
    return con


def run(db: str, version: str, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T | None:
    """``work(connection)`` on the snapshot of this version; ``None`` if there is no store."""
    with _lock:
        try:
            con = _connection(db, version)
        except store.StoreMissing:
            return None
        return work(con)


def close_all() -> None:
    """Close every held connection (for a process that is done reading, e.g. a test)."""
    with _lock:
        while _open:
            _close(next(iter(_open)))


@lru_cache(maxsize=512)
def query(db: str, version: str, sql: str, params: tuple) -> pd.DataFrame:
    """Run a read query on the snapshot (``version`` is only part of the cache key).

    A missing store reads as an empty frame, so a page before the first load says
    "nothing loaded yet" rather than failing.
    """
    frame = run(db, version, lambda con: con.execute(sql, list(params)).df())
    return pd.DataFrame() if frame is None else as_dates(frame)


def read(db: Path | str, sql: str, params: Sequence = ()) -> pd.DataFrame:
    """A cached query result (a copy, so callers may change it freely)."""
    return query(*key(db), sql, tuple(params)).copy()
