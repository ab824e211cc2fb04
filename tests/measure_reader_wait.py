"""Measure how long a director's page waits for data while a large month loads.

``python -m tests.measure_reader_wait [--scale 30]`` builds a store holding April 2021, then
loads a large May 2021 visits return (scale 30: about 100,000 rows) in another process with
the real command line, while this process does what a page does on each run: asks
``metrics.api`` for the months, the headline figures and what is missing (cached per snapshot,
so the first read after each publish does the real work), timing every page. The figures go
in docs/concurrency.md. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from demo.files import write_returns
from etl.write import store
from etl.write.load import load_paths
from metrics import api

ROOT = Path(__file__).resolve().parent.parent
APRIL, MAY = date(2021, 4, 1), date(2021, 5, 1)


def _page(db: Path) -> int:
    """One run of the overview's reads; the month's visit rows it saw, from the same file."""
    months = api.months(db)
    api.headline(db, months[-1])
    api.missing_returns(db, months[-1])
    con = store.open_reader(db)
    try:
        return con.execute("SELECT count(*) FROM visits WHERE month = ?", [MAY]).fetchone()[0]
    finally:
        con.close()


def measure(scale: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = write_returns(root / "in", months=2, scale=scale, end=MAY)
        db = root / "store" / "csc.duckdb"
        assert all(r.ok for r in load_paths(db, [p for p in files if "2021-04" in p.name]))
        may = next(p for p in files if p.name == "visits_2021-05.csv")
        rows = may.read_bytes().count(b"\n") - 1
        _page(db)  # warm imports and the April cache, as a running app would have
        waits, seen = [], set()
        started = time.perf_counter()
        loader = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", str(may), "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        while loader.poll() is None:
            t0 = time.perf_counter()
            seen.add(_page(db))
            waits.append(time.perf_counter() - t0)
            time.sleep(0.05)  # a page run now and then, not a busy loop
        load_seconds = time.perf_counter() - started
        assert loader.returncode == 0
        t0 = time.perf_counter()
        seen.add(_page(db))  # the first page after the publish recomputes from the new file
        after = time.perf_counter() - t0
        assert seen <= {0, rows}, f"a page saw a part-loaded month: {seen}"
        return {
            "rows": rows,
            "megabytes": may.stat().st_size / 2**20,
            "load_seconds": load_seconds,
            "page_runs": len(waits),
            "median_ms": statistics.median(waits) * 1000,
            "max_ms": max(waits) * 1000,
            "first_page_after_ms": after * 1000,
        }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", type=int, default=30)
    for key, value in measure(p.parse_args().scale).items():
        print(f"{key}: {value:,.1f}" if isinstance(value, float) else f"{key}: {value:,}")


if __name__ == "__main__":
    main()
