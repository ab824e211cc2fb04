"""The process on the trend chart and in its tables: band, mean, special-cause marks by
shape, a rebase as a break; the static SVG and the Plotly figure drawn from one definition.

A hand-worked process: 9, 11 six times then 20 (``tests/test_spc.py``: mean 10.769, limits
3.90 to 17.64, the 20 above the upper limit, improving), and the same months rebased.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pandas as pd
import pytest

from charts.palette import SIGNAL_STYLES
from charts.static import figure_svg
from charts.tables import (
    team_heat_table,
    team_table_rows,
    text_html,
    trend_table,
    trend_table_rows,
)
from charts.trend import trend_figure, with_process
from metrics import spc

NS = {"s": "http://www.w3.org/2000/svg"}
VALUES = [9, 11] * 6 + [20]
DEFAULT = spc.SpcRules()


def _series(rules: spc.SpcRules = DEFAULT) -> pd.DataFrame:
    months = [(pd.Timestamp("2021-01-01") + pd.DateOffset(months=i)).date() for i in range(13)]
    frame = pd.DataFrame({"kpi": "k", "team": "ALL", "month": months, "value": VALUES})
    chart = pd.concat(
        [frame, spc.chart(frame, ["kpi", "team"], higher_better=True, rules=rules)], axis=1
    )
    series = frame.assign(line="Whole council", threshold=15.0)
    return with_process(series, chart)


def _plot(fig) -> ET.Element:
    root = ET.fromstring(figure_svg(fig, label="t"))
    return root.find("s:g[@clip-path]", NS)


def test_the_band_mean_and_special_cause_are_drawn_in_both_versions() -> None:
    series = _series()
    fig = trend_figure(series, title="t", unit="number")
    names = [t.name for t in fig.data]
    assert names[:2] == ["Process limits (common-cause range)", "Process mean"]  # behind
    band = fig.data[0]
    # the band's polygon: the upper limit across, then the lower limit back
    assert band.fill == "toself" and len(band.x) == 26
    assert band.y[0] == pytest.approx(140 / 13 + 2.66 * 31 / 12)
    assert band.y[-1] == pytest.approx(140 / 13 - 2.66 * 31 / 12)
    colour, symbol, words = SIGNAL_STYLES["improvement"]
    marked = next(t for t in fig.data if t.name == words)
    assert list(marked.x) == [date(2022, 1, 1)] and marked.marker.symbol == symbol
    plot = _plot(fig)
    assert len(plot.findall("s:polygon[@fill-opacity]", NS)) == 1  # the band
    rings = [c for c in plot.findall("s:circle", NS) if c.get("fill") == "none"]
    assert len(rings) == 1 and rings[0].get("stroke") == colour  # ringed: shape and colour


def test_a_rebase_is_a_break_in_the_band_and_the_mean() -> None:
    rules = spc.SpcRules(minimum=5, rebase_dates=(date(2021, 7, 1),))
    fig = trend_figure(_series(rules), title="t", unit="number")
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 2  # one per baseline
    mean = next(t for t in fig.data if t.name == "Process mean")
    assert None in list(mean.y)  # a gap between the two means
    assert any("New baseline from July 2021" in (a.text or "") for a in fig.layout.annotations)
    plot = _plot(fig)
    assert len(plot.findall("s:polygon[@fill-opacity]", NS)) == 2
    root = ET.fromstring(figure_svg(fig, label="t"))
    assert "New baseline from July 2021" in [t.text for t in root.iter(f"{{{NS['s']}}}text")]


def test_too_few_months_draws_no_band() -> None:
    series = _series(spc.SpcRules(minimum=20))
    fig = trend_figure(series, title="t", unit="number")
    assert not [t for t in fig.data if t.fill == "toself"]


def test_the_chart_table_gains_mean_limits_and_signal() -> None:
    series = _series()
    flat = trend_table_rows(series, "number")
    assert list(flat.columns)[-4:] == ["Mean", "Lower limit", "Upper limit", "Signal"]
    assert flat["Mean"].iloc[0] == pytest.approx(140 / 13)
    assert list(flat["Signal"].iloc[-2:]) == ["common cause", "special cause — improving"]
    html = trend_table(series, title="t", unit="number")
    assert text_html("Signal (Whole council)") in html and "special cause — improving" in html
    assert text_html("Upper limit (Whole council)") in html and "17.6" in html


def test_the_team_table_says_each_teams_latest_signal_in_words() -> None:
    cells = pd.DataFrame(
        {
            "team": ["North", "North", "South", "South"],
            "month": [date(2021, 1, 1), date(2021, 2, 1)] * 2,
            "value": [80.0, 82.0, 60.0, 61.0],
            "status": ["on track", "on track", "at risk", "off track"],
            "icon": ["✔", "✔", "▲", "✖"],
            "variation": [spc.COMMON, spc.SPECIAL_IMPROVEMENT, spc.COMMON, spc.SPECIAL_CONCERN],
            "direction": [0, 1, 0, -1],
        }
    )
    html = team_heat_table(cells, title="t", unit="percent")
    # beside the team's name, with the newest month it reads (January's were common cause)
    assert html.index("Signal, Feb 2021") < html.index("Feb 2021</th>") < html.index("Jan 2021")
    assert "↑ Special cause — improving" in html and "↓ Special cause — concerning" in html
    rows = team_table_rows(cells, "percent")
    assert list(rows["Signal"]) == [
        "Common cause",
        "Special cause — improving",
        "Common cause",
        "Special cause — concerning",
    ]
