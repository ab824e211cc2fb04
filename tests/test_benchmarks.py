"""The benchmark: its smoke run takes every measurement end to end, and its scaled stores are
right.

No timing is asserted (machines are noisy); what is asserted is that every measurement is
taken and reported with its bound and ratio, that the viewer's path never imports Great
Expectations, that the bulk-built benchmark store holds exactly what the checked loader
would have loaded, and that the pre-computed KPIs on a multi-council store equal the same
KPIs counted afresh from the raw rows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.stores import build_store
from demo.build import build_demo
from demo.council import RETURN_COLUMNS, TEAMS
from etl.write import store
from metrics import compute
from tests.conftest import stored_and_fresh

ROOT = Path(__file__).resolve().parent.parent
KEYS = [
    "kpi_month",
    "kpi_trend",
    "overview_data",
    "kpi_month_raw",
    "overview_page",
    "overview_page_warm",
    "cold_start",
    "load",
    "load_check",
    "memory",
    "browser_cold:overview",
    "browser_content:overview",
    "browser_warm:overview",
    "browser_cold:caseloads",
    "first_start",
    "census_load",
    "census_memory",
    "load_ssda903",
    "memory_ssda903",
    "load_ssd",
]


def test_smoke_run_reports_every_measurement_with_its_ratio(tmp_path: Path) -> None:
    """``--smoke`` takes the same measurements as the full and quick runs, by the same code,
    on the smallest inputs (the quick run's two stores, three browser pages and larger
    files took eight minutes of the suite's time and checked nothing more)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--store-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    for key in KEYS:
        found = [line for line in lines if line.startswith(f"[{key}] ")]
        assert found, f"no {key} line in:\n{done.stdout}"
        for line in found:
            assert re.search(r"; ratio \d+\.\d\dx; target ", line), line
    # One store (one council) gives the four query figures and two page runs once.
    assert sum(line.startswith("[overview_page] ") for line in lines) == 1
    cold = next(line for line in lines if line.startswith("[cold_start] "))
    assert "Great Expectations imported: no" in cold
    assert not (tmp_path / "BENCHMARKS.md").exists()  # --smoke writes no report


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two councils × two months, once through the checked loader and once bulk-inserted."""
    folder = tmp_path_factory.mktemp("bench")
    checked = folder / "checked" / "csc.duckdb"
    results = build_demo(checked, months=2, scale=2)
    assert all(r.ok for r in results)
    return checked, build_store(folder, councils=2, months=2).db


def _table(db: Path, sql: str) -> pd.DataFrame:
    con = store.open_reader(db)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.mark.parametrize("table", [*RETURN_COLUMNS, "kpi_values"])
def test_bulk_built_store_equals_the_checked_loaders(stores, table: str) -> None:
    checked, bulk = stores
    sql = f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY ALL"
    if table == "kpi_values":
        sql = f"SELECT * FROM {table} ORDER BY ALL"
    expected, got = _table(checked, sql), _table(bulk, sql)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, expected)


def test_scaled_store_teams_are_prefixed_by_council(stores) -> None:
    _, bulk = stores
    teams = set(_table(bulk, "SELECT DISTINCT team FROM visits")["team"])
    # 2 councils × the demo's 10 teams, each named "C001 <team>" or "C002 <team>".
    assert teams == {f"C{n:03d} {name}" for n in (1, 2) for name in TEAMS}


def test_scaled_store_kpis_from_the_table_equal_kpis_from_raw_rows(stores) -> None:
    _, bulk = stores
    stored, raw = stored_and_fresh(bulk)
    assert len(raw) > 0 and (raw["team"] == compute.ALL).any()
    pd.testing.assert_frame_equal(stored, raw, check_dtype=False)
