"""The chart builders: what each figure draws, and that status never rests on colour alone."""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.formatting import format_value, uk_date, uk_month
from ui import charts

MONTHS = [date(2021, 1, 1), date(2021, 2, 1), date(2021, 3, 1)]


def _series() -> pd.DataFrame:
    council = pd.DataFrame(
        {
            "month": MONTHS,
            "line": "Whole council",
            "value": [70.0, 80.0, 90.0],
            "threshold": [85.0, 85.0, 90.0],
        }
    )
    team = council.assign(line="North", value=[60.0, float("nan"), 95.0])
    return pd.concat([council, team], ignore_index=True)


def test_trend_draws_council_team_threshold_and_target_date() -> None:
    fig = charts.trend_figure(
        _series(), title="Visits in time", unit="percent", target_date=date(2021, 3, 31)
    )
    names = [trace.name for trace in fig.data]
    assert names == ["Whole council", "North", "Threshold"]
    council, team, threshold = fig.data
    assert list(council.y) == [70.0, 80.0, 90.0]
    # The threshold follows the council rows month by month (it rose to 90 in March).
    assert list(threshold.y) == [85.0, 85.0, 90.0]
    # Lines differ by dash and marker as well as colour.
    assert council.line.dash != team.line.dash
    assert council.marker.symbol != team.marker.symbol
    # Hover text is formatted by the metrics layer, in UK month names.
    assert list(council.customdata[2]) == [uk_month(MONTHS[2]), format_value(90.0, "percent")]
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].type == "line"
    assert fig.layout.annotations[0].text == f"Target date {uk_date(date(2021, 3, 31))}"
    assert fig.layout.title.text == "Visits in time"


def test_trend_without_threshold_or_target_draws_only_lines() -> None:
    series = _series().assign(threshold=float("nan"))
    fig = charts.trend_figure(series, title="Caseload", unit="number")
    assert [t.name for t in fig.data] == ["Whole council", "North"]
    assert not fig.layout.shapes


def test_team_heat_prints_value_and_icon_in_every_cell() -> None:
    cells = pd.DataFrame(
        {
            "month": [MONTHS[0], MONTHS[1], MONTHS[0]],
            "team": ["North", "North", "South"],
            "value": [91.0, 70.0, float("nan")],
            "status": ["on_track", "off_track", "no_data"],
            "icon": ["✔", "✖", ""],
        }
    )
    fig = charts.team_heat_figure(cells, title="By team", unit="percent")
    heat = fig.data[0]
    assert list(heat.y) == ["North", "South"]
    assert list(heat.x) == [uk_month(MONTHS[0]), uk_month(MONTHS[1])]
    north, south = heat.text
    assert north[0] == f"{format_value(91.0, 'percent')} ✔"
    assert north[1] == f"{format_value(70.0, 'percent')} ✖"
    # South has no February row at all: the cell says so rather than being blank.
    assert south[1] == "–"
    # Status codes index the discrete colour scale: on track, off track, no data.
    order = list(charts.STATUS_COLOURS)
    assert list(heat.z[0]) == [order.index("on_track"), order.index("off_track")]
    assert heat.z[1][1] == order.index("no_data")


def test_status_colours_are_okabe_ito_and_distinct() -> None:
    shown = [charts.status_colour(s) for s in ("on track", "At risk", "off_track")]
    assert len(set(shown)) == 3
    assert set(shown) <= set(charts.OKABE_ITO.values())
    assert charts.status_key("nonsense") == "no_data"


def test_sparkline_marks_latest_point_in_status_colour() -> None:
    fig = charts.sparkline_figure(MONTHS, [1.0, 2.0, 3.0], unit="count", status="off track")
    line, latest = fig.data
    assert list(line.y) == [1.0, 2.0, 3.0]
    assert list(latest.y) == [3.0]
    assert latest.marker.color == charts.STATUS_COLOURS["off_track"]
    assert fig.layout.xaxis.visible is False
