"""A large council's Standard Safeguarding Dataset extract loaded as a set: time against
DuckDB's ``read_csv`` of the same files.

The extract is the demo council's synthetic one (``demo.ssd``), made large: 30,000 children
and 400 workers over 40 months give about a million involvement and visit rows. It is read,
checked and loaded into a fresh store (twelve months of each return it fills, KPIs worked out), and
compared, in the same run, with DuckDB reading every one of its files into tables.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from benchmarks.timing import Measurement, median_seconds
from demo import ssd as demo_ssd
from etl.sources.ssd.tables import declaration
from etl.write.load import load_paths

#: The bound in seconds a large council's extract must load within on a 2-core machine.
SECONDS_BOUND = 20.0
#: ... and within this many times DuckDB's read of the same files.
RATIO_BOUND = 3.0
WORKERS_PER_CHILD = 400 / 30_000
MONTHS = 40
#: The tables whose rows the issue counts ("a million involvement and visit rows").
COUNTED = ("ssd_involvements", "ssd_cin_visits", "ssd_cp_visits", "ssd_cla_visits")


def write_extract(folder: Path, children: int) -> list[Path]:
    """The synthetic extract for ``children`` children (reused if already written)."""
    target = folder / f"ssd-{children}-{MONTHS}"
    if target.is_dir() and any(target.glob("ssd_*.csv")):
        return sorted(target.glob("ssd_*.csv"))
    workers = max(round(children * WORKERS_PER_CHILD), 4)
    return demo_ssd.write(target, demo_ssd.Size(children, workers, MONTHS))


def _rows(paths: list[Path]) -> int:
    counted = [p for p in paths if p.stem in COUNTED]
    return sum(
        duckdb.sql(f"SELECT count(*) FROM read_csv('{p}')").fetchall()[0][0] for p in counted
    )


def _load_once(paths: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ssd-") as tmp:
        [result] = load_paths(Path(tmp) / "csc.duckdb", paths, as_at=demo_ssd.EXTRACT_DATE)
        if result.status != "loaded":
            raise RuntimeError(f"benchmark extract was not loaded: {result.report.to_text()}")


def _duckdb_read(paths: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "bound.duckdb"))
        for path in paths:
            con.execute(f"CREATE TABLE {path.stem} AS SELECT * FROM read_csv('{path}')")
        con.close()


def measure(folder: Path, children: int, runs: int) -> list[Measurement]:
    """Load time of the extract against DuckDB's read of its files."""
    paths = write_extract(folder, children)
    # No untimed first load: the SSDA903 and census loads before it in the run have paid the
    # one-off imports, and a median of three would leave a cold first one out anyway.
    bound = median_seconds(lambda: _duckdb_read(paths), runs)
    loader = median_seconds(lambda: _load_once(paths), runs)
    what = (
        f"Load an SSD extract, {children:,} children, {_rows(paths):,} involvement and visit "
        f"rows ({len(paths)} tables), 12 months of {len(declaration().fills)} returns"
    )
    return [
        Measurement(
            "load_ssd",
            what,
            "fresh store",
            loader,
            "s",
            runs,
            "DuckDB read_csv of the same files",
            bound,
            (SECONDS_BOUND, "s"),
            ratio_limit=RATIO_BOUND,
        )
    ]
