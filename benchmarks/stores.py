"""Scaled demo stores for the benchmark: 1, 20 or 153 fictional councils × 10 years.

The rows are the demo generator's own (``demo.council.Council``, one seeded generator per council,
so they equal what ``demo.council.write_returns(scale=N)`` writes), but they are bulk-inserted
straight into DuckDB instead of going file by file through the checked loader: 153 councils
× 120 months is ~46 M rows, and pushing them through pandas and Great Expectations would take
most of an hour without measuring anything the loader benchmark does not. Councils are
generated in parallel worker processes; a ``load_log`` row is written per return-month as a
load would, then ``kpi_values`` is worked out by ``metrics.materialise.refresh_all`` and the
store is published like any other. Stores are kept in a git-ignored folder and reused.
"""

from __future__ import annotations

import csv
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from demo.build import DEMO_BENCHMARKS, DEMO_COMPLETE_KEY
from demo.council import RETURN_COLUMNS, WARM_UP, Council, month_starts
from demo.files import month_rows
from etl.check.validate import FALSE_FLAGS, TRUE_FLAGS
from etl.returns import Column, get_return
from etl.write import store
from etl.write.load import load_paths
from metrics.materialise import refresh_all

SEED = 2021
META_KEY = "bench_store"


@dataclass(frozen=True)
class StoreInfo:
    """A built store and how big it is."""

    db: Path
    councils: int
    months: int
    rows: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.councils} council{'s' if self.councils > 1 else ''} × {self.months} months"


def prefix(council: int, councils: int) -> str:
    """The team-name prefix ``write_returns`` gives council ``council`` of ``councils``."""
    return f"C{council:03d} " if councils > 1 else ""


def _write_council(args: tuple[Path, int, int, int, int]) -> None:
    """Step one council through every month and write its rows, one CSV per return."""
    folder, council, councils, months, seed = args
    sim = Council(np.random.default_rng([seed, council]), prefix(council, councils))
    handles = {
        name: (folder / f"{name}_{council:03d}.csv").open("w", newline="", encoding="utf-8")
        for name in RETURN_COLUMNS
    }
    writers = {
        name: csv.DictWriter(handle, fieldnames=["month", *columns])
        for (name, columns), handle in zip(RETURN_COLUMNS.items(), handles.values(), strict=True)
    }
    for writer in writers.values():
        writer.writeheader()
    for index, month in enumerate(month_starts(months + WARM_UP)):
        rows = month_rows(sim, month)
        if index < WARM_UP:
            continue
        stamp = month.isoformat()
        for name, writer in writers.items():
            writer.writerows({"month": stamp, **row} for row in rows[name])
    for handle in handles.values():
        handle.close()


def typed_sql(col: Column) -> str:
    """A CSV text column cast to its declared type, as the loader's typing would give it."""
    text = f"NULLIF(trim({col.name}), '')"
    if col.type == "flag":
        yes = ", ".join(f"'{v}'" for v in sorted(TRUE_FLAGS))
        no = ", ".join(f"'{v}'" for v in sorted(FALSE_FLAGS))
        return (
            f"CASE WHEN upper({text}) IN ({yes}) THEN TRUE "
            f"WHEN upper({text}) IN ({no}) THEN FALSE END"
        )
    if col.type in ("id", "text", "code"):
        return text
    return f"CAST({text} AS {col.sql_type})"


def _insert_return(con, name: str, folder: Path) -> int:
    """Log each month as loaded, then insert the rows sorted by month and team."""
    spec = get_return(name)
    files = f"'{folder}/{name}_[0-9]*.csv'"  # a digit next: visits_001, never visits_asat_001
    source = f"read_csv({files}, all_varchar = true, header = true)"
    con.execute(
        f"""
        INSERT INTO load_log (file_name, return_type, month, rows, status, reason, source)
        SELECT '{name}_' || strftime(CAST(month AS DATE), '%Y-%m') || '.csv', '{name}',
               CAST(month AS DATE), count(*), 'loaded', 'bulk insert (benchmark store)', 'bench'
        FROM {source} GROUP BY month ORDER BY month
        """
    )
    cols = ", ".join(f"{typed_sql(c)} AS {c.name}" for c in spec.columns)
    con.execute(
        f"""
        INSERT INTO {name}
        SELECT CAST(s.month AS DATE), {cols}, l.load_id FROM {source} s
        JOIN load_log l ON l.return_type = '{name}' AND l.month = CAST(s.month AS DATE)
        ORDER BY s.month, s.team
        """
    )
    return con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]


def _existing(db: Path, wanted: str) -> bool:
    if not store.snapshot_path(db).exists():
        return False
    con = store.open_reader(db)
    try:
        row = con.execute("SELECT value FROM store_meta WHERE key = ?", [META_KEY]).fetchone()
    finally:
        con.close()
    return row is not None and row[0] == wanted


def row_counts(db: Path) -> dict[str, int]:
    """Rows per monthly return and in ``kpi_values``."""
    con = store.open_reader(db)
    try:
        return {
            name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in (*RETURN_COLUMNS, "kpi_values")
        }
    finally:
        con.close()


def build_store(
    folder: Path, councils: int, months: int, seed: int = SEED, workers: int | None = None
) -> StoreInfo:
    """The store for ``councils`` × ``months`` in ``folder``, built once and then reused."""
    db = folder / f"bench-{councils}x{months}.duckdb"
    wanted = f"{councils}x{months}:{seed}"
    if not _existing(db, wanted):
        for stale in (db, store.snapshot_path(db), db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        raw = folder / f"raw-{councils}x{months}"
        raw.mkdir(parents=True, exist_ok=True)
        jobs = [(raw, n, councils, months, seed) for n in range(1, councils + 1)]
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
            list(pool.map(_write_council, jobs, chunksize=1))
        with store.open_writer(db) as con:
            con.begin()
            for name in RETURN_COLUMNS:
                _insert_return(con, name, raw)
            con.execute("INSERT INTO store_meta VALUES ('kind', 'demo') ON CONFLICT DO NOTHING")
            refresh_all(con)
            con.execute("INSERT INTO store_meta VALUES (?, ?)", [META_KEY, wanted])
            con.commit()
        for path in raw.iterdir():
            path.unlink()
        raw.rmdir()
        load_paths(db, [DEMO_BENCHMARKS], source="demo", kind="demo")
    _mark_complete(db)
    return StoreInfo(db, councils, months, row_counts(db))


def _mark_complete(db: Path) -> None:
    """Say the store is whole, as a finished demo build does: the app rebuilds a demo store
    without the mark (a first start cut short), which would replace the benchmark's store.
    Stores built before the mark existed get it here, without a rebuild."""
    con = store.open_reader(db)
    try:
        done = con.execute(
            "SELECT count(*) FROM store_meta WHERE key = ?", [DEMO_COMPLETE_KEY]
        ).fetchone()[0]
    finally:
        con.close()
    if not done:
        with store.open_writer(db) as con:
            con.execute(
                "INSERT INTO store_meta VALUES (?, current_timestamp::VARCHAR)", [DEMO_COMPLETE_KEY]
            )
