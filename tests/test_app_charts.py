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
    # 31 March 2021 ends the last month shown: passed, and drawn inside the axis.
    assert fig.layout.annotations[0].text == (f"Target date {uk_date(date(2021, 3, 31))} — passed")
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


def data_fill(fig, lines=("Whole council", "North")) -> float:
    """The share of the value axis's height that the drawn lines' values span."""
    values = [v for t in fig.data if t.name in lines for v in t.y if v is not None and v == v]
    low, high = fig.layout.yaxis.range
    return (max(values) - min(values)) / (high - low)


def _one_line(values: list[float], threshold: float, months: int = 12) -> pd.DataFrame:
    start = pd.Timestamp("2021-04-01")
    return pd.DataFrame(
        {
            "month": [(start + pd.DateOffset(months=i)).date() for i in range(months)],
            "line": "Whole council",
            "value": values,
            "threshold": threshold,
        }
    )


def test_value_axis_is_fitted_to_the_data_and_a_zero_threshold_shows() -> None:
    # Supervision-like figures between 1.9% and 3.2% against a target of 0%: on a 0–105%
    # axis they used 3% of the height. The data span 1.3 points; with the threshold at 0 the
    # range is 0–3.2 and the data keep 1.3 / 3.2 = 41% > 40%, so it is drawn; 12% margins
    # make it -0.384–3.584, where the data fill 1.3 / 3.968 = 33%.
    values = [1.9, 2.4, 3.2, 2.8, 2.0, 2.2, 2.5, 2.6, 3.0, 2.1, 1.9, 2.3]
    fig = charts.trend_figure(_one_line(values, 0.0), title="t", unit="percent")
    low, high = fig.layout.yaxis.range
    assert low < 0 < 1.9 and high > 3.2  # zero sits inside the plot, not on its edge
    assert high - low < 5  # not 0–105
    assert data_fill(fig, ("Whole council",)) >= 0.30
    assert "Threshold" in [t.name for t in fig.data]


def test_a_threshold_far_from_the_data_is_named_at_the_edge_not_squashing_the_data() -> None:
    # 60–65% against a floor of 100%: including 100 would leave the data 5 / 40 = 12.5%.
    values = [60.0, 61, 62, 63, 64, 65, 64, 63, 62, 61, 60, 65]
    fig = charts.trend_figure(_one_line(values, 100.0), title="t", unit="percent")
    assert fig.layout.yaxis.range[1] < 100
    assert data_fill(fig, ("Whole council",)) >= 0.30
    notes = [a.text for a in fig.layout.annotations]
    assert "↑ Threshold 100.0%: above this range" in notes


def test_counts_get_whole_number_ticks() -> None:
    fig = charts.trend_figure(_one_line([0, 1, 2, 1, 0, 3] * 2, 0.0), title="t", unit="count")
    assert fig.layout.yaxis.tickformat == ",d" and float(fig.layout.yaxis.dtick).is_integer()


def test_time_axis_is_the_chosen_period_and_a_passed_date_is_an_edge_note() -> None:
    series = _one_line([50.0 + i for i in range(12)], 60.0)
    fig = charts.trend_figure(series, title="t", unit="percent", target_date=date(2020, 3, 31))
    low, high = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    first, last = pd.Timestamp(series["month"].min()), pd.Timestamp(series["month"].max())
    assert first - pd.Timedelta(days=16) <= low and high <= last + pd.Timedelta(days=16)
    assert not fig.layout.shapes  # no line drawn years to the left
    assert "← Target date 31 March 2020 — passed" in [a.text for a in fig.layout.annotations]


def test_sparkline_draws_the_threshold_and_states_its_range() -> None:
    months = MONTHS
    fig = charts.sparkline_figure(months, [80.0, 85.0, 90.0], unit="percent", threshold=95.0)
    assert [s.y0 for s in fig.layout.shapes] == [95.0]
    assert fig.layout.yaxis.range[0] > 70  # fitted, not from zero
    assert charts.sparkline_range(months, [80.0, 85.0, 90.0], "percent", 95.0) == (
        "3 months from 80.0% to 90.0%; threshold 95.0% (dotted)."
    )


def test_hover_carries_the_counts_behind_a_percentage() -> None:
    series = _series().assign(numerator=[7, 8, 9, 6, None, 19], denominator=[10, 10, 10, 10, 0, 20])
    fig = charts.trend_figure(series, title="t", unit="percent")
    assert fig.data[0].customdata[0][1] == "70.0% (7 of 10)"
