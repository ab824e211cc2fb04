"""Cached reads of the published snapshot, shared by every module of the read API.

A query's result is cached under the store's path and snapshot version: a new load
publishes a new snapshot, the version changes and the next read sees the new data, while a
page redrawn by many sessions between loads costs one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl import store


def key(db: Path | str) -> tuple[str, str]:
    """The cache key of a store: its resolved path and current snapshot version."""
    path = Path(db).resolve()
    return str(path), store.snapshot_version(path)


def as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Month columns as ``datetime.date`` (what every reader of this layer gets)."""
    if "month" in frame and len(frame):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


@lru_cache(maxsize=512)
def query(db: str, version: str, sql: str, params: tuple) -> pd.DataFrame:
    """Run a read query on the snapshot (``version`` is only part of the cache key).

    A missing store reads as an empty frame, so a page before the first load says
    "nothing loaded yet" rather than failing.
    """
    try:
        con = store.open_reader(Path(db))
    except store.StoreMissing:
        return pd.DataFrame()
    try:
        return as_dates(con.execute(sql, list(params)).df())
    finally:
        con.close()


def read(db: Path | str, sql: str, params: Sequence = ()) -> pd.DataFrame:
    """A cached query result (a copy, so callers may change it freely)."""
    return query(*key(db), sql, tuple(params)).copy()
