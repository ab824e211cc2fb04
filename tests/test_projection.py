"""Projections follow the process: a robust line from the latest value, only for a real change.

Hand-worked series. ``SHORT`` lets six months make a baseline so the series stay small.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from metrics import api
from metrics.config import load_config
from metrics.projection import NOT_MET, STEADY, TOO_FEW, TREND, kpi_projection, project, theil_sen
from metrics.spc import SpcRules

MONTHS = [date(2021, m, 1) for m in range(1, 13)]  # January to December 2021
SHORT = SpcRules(minimum=5)


def test_a_trend_is_projected_from_the_latest_value() -> None:
    # 30, 25, 20, 15, 10, 5 (January to June): six months each lower, a special-cause trend
    # (lower is better: improvement). Every pair of months is 5 a month apart, so the
    # Theil-Sen slope is -5; from June's 5 the line reaches 0 in July 2021.
    result = project(
        MONTHS[:6],
        [30, 25, 20, 15, 10, 5],
        target=0,
        unit="percent",
        higher_better=False,
        due=date(2021, 3, 31),
        rules=SHORT,
    )
    assert result.basis == TREND and result.slope == -5
    assert result.points[0] == (date(2021, 6, 1), 5)  # starts where we are
    assert result.met_month == date(2021, 7, 1) and result.late
    assert result.sentence() == (
        "If the sustained fall since January 2021 carries on, the target of 0.0% is met by "
        "July 2021 — after the 31 March 2021 target date."
    )


def test_the_slope_is_robust_to_one_odd_month() -> None:
    # 0, 1, 2, 30, 4, 5: ten of the fifteen pairwise slopes are 1; the pairs with the odd month
    # are 10, 14.5, 28, -26 and -12.5; the median of the fifteen is 1. (Least squares: 2.54.)
    assert theil_sen([0, 1, 2, 3, 4, 5], [0, 1, 2, 30, 4, 5]) == 1


def test_a_missing_month_is_a_gap_not_a_squeezed_step() -> None:
    # January 30, February 25, April 15, May 10, June 5 (no March): five months each lower
    # is a trend under trend_months: 5. At x = 0, 1, 3, 4, 5 every pairwise slope is -5
    # (squeezed to 0..4 the slopes would be -5, -7.5, ...); from 5 in June, 0 in July.
    rules = SpcRules(minimum=5, trend=5)
    result = project(
        [MONTHS[0], MONTHS[1], *MONTHS[3:6]],
        [30, 25, 15, 10, 5],
        target=0,
        unit="percent",
        higher_better=False,
        rules=rules,
    )
    assert result.basis == TREND
    assert round(result.slope, 9) == -5
    assert result.met_month == date(2021, 7, 1)


def test_a_trend_the_wrong_way_is_not_met() -> None:
    # 5 .. 30 rising when lower is better: a special-cause concern, projected, never reaching 0;
    # the line is drawn twelve months ahead from the latest 30.
    result = project(
        MONTHS[:6],
        [5, 10, 15, 20, 25, 30],
        target=0,
        unit="percent",
        higher_better=False,
        rules=SHORT,
    )
    assert result.basis == TREND and result.met_month is None
    assert NOT_MET in result.sentence() and "sustained rise" in result.sentence()
    assert result.points[0] == (date(2021, 6, 1), 30) and len(result.points) == 13


def test_common_cause_gives_no_date_only_the_level() -> None:
    # 9, 11 alternating for twelve months: mean 10, common cause. Lower is better, target
    # 10.5: the average meets it (though December's 11 does not), so "met", with no date.
    result = project(MONTHS, [9, 11] * 6, target=10.5, unit="number", higher_better=False)
    assert result.basis == STEADY and result.points == () and result.met_month is None
    assert result.sentence() == (
        "No sustained change: at this level (an average of 10.0) the target of 10.5 is met."
    )
    # higher is better, target 12: the average of 10 does not meet it
    higher = project(MONTHS, [9, 11] * 6, target=12, unit="number", higher_better=True)
    assert higher.sentence() == (
        "No sustained change: at this level (an average of 10.0) the target of 12.0 is not met."
    )


def test_too_few_months_and_already_met() -> None:
    few = project(MONTHS[:4], [30, 20, 10, 5], target=0, unit="count", higher_better=False)
    assert few.basis == TOO_FEW and few.points == ()
    assert few.sentence() == (
        "Not enough months yet to project: 4 of the 12 months needed to tell a sustained "
        "change from noise."
    )
    met = project(MONTHS[:6], [3, 2, 1, 0, 0, 0], target=0, unit="count", higher_better=False)
    assert met.already_met and met.points == ()
    assert met.sentence() == "The target of 0 is met in June 2021."
    assert project([], [], target=0, unit="count", higher_better=False) is None


def test_kpi_projection_fits_the_metrics_layer_values(demo_db: Path) -> None:
    kpi_id, month = "caseload_qsw_over_cap_pct", date(2022, 3, 1)
    values = api.kpi_values(demo_db, [kpi_id], teams=["ALL"])
    values = values[pd.to_datetime(values["month"]) <= pd.Timestamp(month)]
    expected = project(
        list(values["month"]),
        list(values["value"]),
        target=0,
        unit="percent",
        higher_better=False,
        due=api.target_date(kpi_id),
        goal="target",
        rules=load_config().spc,
        kpi_id=kpi_id,
    )
    got = kpi_projection(demo_db, kpi_id, month)
    assert got == expected
    assert got.due == date(2020, 3, 31)
    # the dotted line starts at March 2022's own figure, not where a fitted line would be
    if got.points:
        assert got.points[0] == (month, values["value"].iloc[-1])


def test_a_rise_until_measure_projects_toward_its_level(demo_db: Path) -> None:
    # "Rise month on month until at least 95 %" has a level to reach, so a trend toward it;
    # there is no due date, only the level.
    projection = kpi_projection(demo_db, "visits_in_time_pct", date(2021, 6, 1))
    assert projection is not None and projection.due is None
    assert projection.target == load_config().threshold("visits_in_time_pct").limit
