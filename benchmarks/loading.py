"""Measurements 1 and 5: the checked loader's time on a large council-month and its memory.

The bound for time is DuckDB reading the same CSV into a table; the bound for memory is the
peak of a process doing that read. Memory is a fresh child process's own peak resident set,
read from ``VmHWM`` in ``/proc/self/status``: ``resource.getrusage``'s ``ru_maxrss`` is not
used because Linux carries it over from the parent across fork and exec, so a child of a big
benchmark process would report at least the parent's size.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.timing import Measurement, median_seconds
from demo.council import DEMO_END, RETURN_COLUMNS
from demo.files import write_returns
from etl.write.load import check_path, load_paths

ROOT = Path(__file__).resolve().parent.parent
#: Visit rows per council-month in the demo's last month (about 1,175), rounded down so the
#: generator always writes more than asked for and the file is cut to exactly ``rows``.
VISITS_PER_COUNCIL = 1_000
FILE_NAME = f"visits_{DEMO_END:%Y-%m}.csv"


def visits_file(folder: Path, rows: int) -> Path:
    """A visits return of exactly ``rows`` generated rows (several fictional councils)."""
    target = folder / f"rows-{rows}" / FILE_NAME
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        scale = math.ceil(rows / VISITS_PER_COUNCIL) + 1
        written = write_returns(Path(tmp), months=1, scale=scale)
        source = next(p for p in written if p.name == FILE_NAME)
        duckdb.sql(
            f"COPY (SELECT * FROM read_csv('{source}', all_varchar = true) LIMIT {rows}) "
            f"TO '{target}' (HEADER)"
        )
    written_rows = duckdb.sql(f"SELECT count(*) FROM read_csv('{target}')").fetchall()[0][0]
    if written_rows != rows:  # the figures are labelled with ``rows``: they must be true
        target.unlink()
        raise RuntimeError(f"benchmark file has {written_rows:,} rows, not {rows:,}")
    return target


def tiled_file(folder: Path, base: Path, megabytes: int) -> Path:
    """A visits return of about ``megabytes`` MB: ``base`` repeated, each copy's teams renamed
    (``T7 C003 Safeguarding 1``) so no row repeats and the file passes every check."""
    target = folder / f"mb-{megabytes}" / FILE_NAME
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    copies = max(math.ceil(megabytes * 2**20 / base.stat().st_size), 1)
    columns = ", ".join(
        "'T' || k || ' ' || team AS team" if c == "team" else c for c in RETURN_COLUMNS["visits"]
    )
    duckdb.sql(
        f"COPY (SELECT {columns} FROM read_csv('{base}', all_varchar = true), "
        f"range({copies}) AS copies(k) ORDER BY k) TO '{target}' (HEADER)"
    )
    return target


def _load_once(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        results = load_paths(Path(tmp) / "csc.duckdb", [path])
        if results[0].status != "loaded":
            raise RuntimeError(f"benchmark file was not loaded: {results[0].message}")


def _duckdb_read(path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "bound.duckdb"))
        con.execute(f"CREATE TABLE visits AS SELECT * FROM read_csv('{path}')")
        con.close()


def load_time(path: Path, rows: int, runs: int) -> list[Measurement]:
    """End-to-end load (read, check with GX, write, refresh KPIs, publish) vs DuckDB read_csv.

    One untimed load first, so the one-off Great Expectations import (measured with the cold
    start) is not counted against every load.
    """
    _load_once(path)
    bound = median_seconds(lambda: _duckdb_read(path), runs)
    loader = median_seconds(lambda: _load_once(path), runs)
    checking = median_seconds(lambda: check_path(path), runs)
    what = f"Load one council-month, {rows:,} visit rows"
    return [
        Measurement(
            "load",
            what,
            "fresh store",
            loader,
            "s",
            runs,
            "DuckDB read_csv into a table",
            bound,
            (3, "x"),
        ),
        Measurement(
            "load_check",
            f"  of which read and check (Arrow CSV reader, typing, GX), {rows:,} rows",
            "—",
            checking,
            "s",
            runs,
            "DuckDB read_csv into a table",
            bound,
        ),
    ]


PEAK = """
import json
def report(status):
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print(json.dumps({"status": status, "peak_mb": int(line.split()[1]) / 1024}))
"""
LOADER_CHILD = (
    PEAK
    + """
import sys
from pathlib import Path
from etl.write.load import load_paths
report(load_paths(Path(sys.argv[1]), [Path(sys.argv[2])])[0].status)
"""
)
DUCKDB_CHILD = (
    PEAK
    + """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute(f"CREATE TABLE visits AS SELECT * FROM read_csv('{sys.argv[2]}')")
con.close()
report("loaded")
"""
)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def peak_in_child(code: str, path: Path, cap_mb: float, limit_mb: int | None) -> dict:
    """Run ``code`` on ``path`` in a fresh process; stop it if it passes ``cap_mb`` resident
    (so a runaway load cannot starve the machine) and say so."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    if limit_mb is not None:
        env["CSC_MAX_FILE_MB"] = str(limit_mb)
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        args = [sys.executable, "-c", code, str(Path(tmp) / "csc.duckdb"), str(path)]
        child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        seen = 0.0
        while child.poll() is None:
            seen = max(seen, _rss_mb(child.pid))
            if seen > cap_mb:
                child.kill()
                child.wait()
                return {"status": "stopped", "peak_mb": seen}
            time.sleep(0.1)
        out, err = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"memory child failed: {err.decode()[-2000:]}")
        return json.loads(out.decode().strip().splitlines()[-1])


def peak_memory(path: Path, cap_mb: float, limit_mb: int | None = None) -> Measurement:
    """The loader's peak memory on one file vs DuckDB's peak reading the same file."""
    size_mb = path.stat().st_size / 2**20
    loader = peak_in_child(LOADER_CHILD, path, cap_mb, limit_mb)
    bound = peak_in_child(DUCKDB_CHILD, path, cap_mb, None)
    limit = f"limit {limit_mb} MB" if limit_mb else "default size limit"
    note = {
        "loaded": "",
        "rejected": " — refused before reading (over the size limit)",
        "stopped": f" — stopped at {cap_mb:,.0f} MB resident",
    }[loader["status"]]
    return Measurement(
        "memory",
        f"Loader peak memory, {size_mb:,.0f} MB visits file ({limit}){note}",
        "fresh store",
        loader["peak_mb"],
        "MB",
        1,
        "DuckDB read_csv peak",
        bound["peak_mb"],
        note=loader["status"],
    )
