"""Benchmarks on screen: the trend chart's lines, the comparison table and the overview tiles.

Pages run in-process with Streamlit's AppTest on the demo store (its benchmark file is loaded
with it). Expected text always comes from ``metrics.comparison``.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from charts.trend import trend_figure
from metrics import api, comparison
from metrics.config import load_config
from tests.conftest import app_reads
from ui.navigation import area_page_path
from ui.state import month_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(demo_db: Path) -> Iterator[Path]:
    with app_reads(demo_db):
        yield demo_db


def _latest(db: Path) -> date:
    return date.fromisoformat(month_key(max(api.months(db), key=month_key)))


def _trace_names(at: AppTest, kpi_id: str) -> list[str]:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"].startswith(api.kpi(kpi_id).short_title + ":"):
            return [trace.get("name") for trace in spec["data"]]
    raise AssertionError(f"no trend chart for {kpi_id}")


def test_icpc_page_draws_england_region_and_neighbour_lines_and_the_table(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(area_page_path("icpc")).run()
    assert not at.exception
    kpi_id = "icpc_within_15wd_pct"
    bench = comparison.benchmarks(db, kpi_id)
    neighbours = bench.series[bench.series["area_type"] == "NEIGHBOURS"]["line"].iloc[0]
    assert neighbours.startswith("Statistical neighbours (mean of ")
    # England and the North East are the DfE's published figures (data/reference/README.md);
    # only the demo's fictional neighbours are illustrative, and say so.
    # The page opens with the trend as a picture (charts.static): its legend names the lines.
    pictures = [h.proto.body for h in at.get("html") if "csc-chart" in h.proto.body]
    assert len(pictures) == 1 and not at.get("plotly_chart")
    legend = base64.b64decode(re.search(r"base64,([^\"]+)", pictures[0])[1]).decode()
    assert f">{html.escape(neighbours)} (illustrative)</text>" in legend
    # The same figure, drawn by Plotly when asked for.
    at.toggle(key=f"interactive:trend:{kpi_id}").set_value(True).run()
    names = _trace_names(at, kpi_id)
    # the process band and mean (metrics.spc) are drawn behind the council's line
    assert names.index("Process limits (common-cause range)") < names.index("Whole council")
    assert names[-3:] == ["England", "North East", f"{neighbours} (illustrative)"]

    result = comparison.compare(db, kpi_id, _latest(db))
    expected = comparison.comparison_table(result, load_config().council_name)
    tables = [t.value for t in at.table]
    assert any(list(t["Compared with"]) == list(expected["Compared with"]) for t in tables)
    shown = next(t for t in tables if list(t["Compared with"]) == list(expected["Compared with"]))
    assert list(shown["Their figure"]) == list(expected["Their figure"])
    captions = " ".join(c.value for c in at.caption)
    assert result.rank_sentence(load_config().council_name) in captions
    assert "illustrative" in captions


def test_overview_tiles_say_where_the_council_stands(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    month = _latest(db)
    tiles = [row.kpi for row in api.headline(db, month).itertuples()]
    expected = [comparison.england_position(db, kpi, month) for kpi in tiles]
    # The tiles whose KPI the demo's bundled DfE figures cover compare (ICPC in time,
    # caseload per FTE, agency share, re-referrals, care leavers suitably housed, where
    # they are tiles); every other tile says it has no published comparison.
    bundled = set(
        pd.read_csv(ROOT / "data" / "reference" / "northmoor_benchmarks.csv")["indicator"]
    )
    compared = [e for kpi, e in zip(tiles, expected, strict=True) if kpi in bundled]
    assert len(compared) >= 3 and all("; quartile " in e for e in compared)
    assert [e for kpi, e in zip(tiles, expected, strict=True) if kpi not in bundled] == [
        comparison.NO_COMPARISON
    ] * (len(tiles) - len(compared))
    assert comparison.NO_COMPARISON in expected
    captions = [c.value for c in at.caption]
    assert all(e in captions for e in expected)


def test_benchmark_points_one_a_year_clipped_to_the_months_shown() -> None:
    months = [date(2020, 1, 1), date(2020, 6, 1), date(2020, 12, 1)]
    series = pd.DataFrame(
        {"month": months, "line": "Whole council", "value": [10.0, 12.0, 14.0], "threshold": 25}
    )
    bench = pd.DataFrame(
        {
            "line": ["England", "England", "England"],
            "area_type": "ENGLAND",
            "period": ["2019", "2020", "2022"],
            "period_start": [date(2018, 10, 1), date(2019, 10, 1), date(2021, 10, 1)],
            "period_end": [date(2019, 9, 30), date(2020, 9, 30), date(2022, 9, 30)],
            "value": [16.9, 16.3, 17.0],
            "illustrative": [False, True, True],
            "source": "DfE",
            "used": 1,
        }
    )
    fig = trend_figure(series, title="Caseload", unit="number", benchmarks=bench)
    names = [t.name for t in fig.data]
    # 2019 ends before January 2020 and 2022 starts after December 2020: only 2020 is drawn,
    # as one point (annual figures: no line) in the month of its census date; illustrative.
    assert names == ["Whole council", "Target", "England (illustrative)"]
    england = fig.data[2]
    assert england.mode == "markers"
    assert list(england.x) == [pd.Timestamp(2020, 9, 1)]
    assert list(england.y) == [16.3]
    assert england.marker.symbol != fig.data[0].marker.symbol
    assert "illustrative" in england.customdata[0]
