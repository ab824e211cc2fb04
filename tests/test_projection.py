"""Projections: a least-squares line over the last six months, followed to the target."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from metrics import api
from metrics.config import load_config
from metrics.projection import NOT_MET, kpi_projection, project

MONTHS = [date(2021, m, 1) for m in range(1, 7)]  # January to June 2021


def test_a_falling_line_meets_a_zero_target_the_month_it_reaches_it() -> None:
    # 30, 25, 20, 15, 10, 5: slope -5 a month, so 0 is reached one month after June: July 2021
    result = project(
        MONTHS,
        [30, 25, 20, 15, 10, 5],
        target=0,
        unit="percent",
        higher_better=False,
        due=date(2021, 3, 31),
    )
    assert result is not None
    assert result.slope == -5
    assert result.met_month == date(2021, 7, 1)
    assert result.late
    assert result.sentence() == (
        "At the rate of the last 6 months the target of 0.0% is met by July 2021 — after the "
        "31 March 2021 target date."
    )
    assert [m for m, _ in result.points] == [date(2021, 6, 1), date(2021, 7, 1)]


def test_only_the_last_six_months_count() -> None:
    # a bad start (90, 90) is older than six months and is ignored: the fit is as above
    months = [date(2020, 11, 1), date(2020, 12, 1), *MONTHS]
    result = project(
        months, [90, 90, 30, 25, 20, 15, 10, 5], target=0, unit="percent", higher_better=False
    )
    assert result.met_month == date(2021, 7, 1)


def test_a_missing_month_is_a_gap_not_a_squeezed_step() -> None:
    # January 30, February 25, April 15 (no March): x = 0, 1, 3.
    # x̄ = 4/3, ȳ = 70/3; Σ(x-x̄)(y-ȳ) = -210/9, Σ(x-x̄)² = 42/9, slope = -5, intercept 30,
    # so 0 is reached at x = 6: July 2021. (Squeezed to x = 0, 1, 2 the slope would be -7.5.)
    result = project(
        [MONTHS[0], MONTHS[1], MONTHS[3]],
        [30, 25, 15],
        target=0,
        unit="percent",
        higher_better=False,
    )
    assert round(result.slope, 9) == -5
    assert result.met_month == date(2021, 7, 1)


def test_a_rising_line_meets_a_floor() -> None:
    # 94 … 99 rising 1 a month: 100.0% in July 2021
    result = project(
        MONTHS, [94, 95, 96, 97, 98, 99], target=100, unit="percent", higher_better=True
    )
    assert result.met_month == date(2021, 7, 1)
    assert not result.late  # no due date


def test_the_wrong_way_or_flat_is_not_met() -> None:
    rising = project(MONTHS, [5, 10, 15, 20, 25, 30], target=0, unit="percent", higher_better=False)
    flat = project(MONTHS, [5, 5, 5, 5, 5, 5], target=0, unit="percent", higher_better=False)
    for result in (rising, flat):
        assert result.met_month is None
        assert NOT_MET in result.sentence()


def test_already_met_and_too_few_months() -> None:
    met = project(MONTHS, [3, 2, 1, 0, 0, 0], target=0, unit="count", higher_better=False)
    assert met.already_met and met.points == ()
    assert met.sentence() == "The target of 0 is met in June 2021."
    assert project(MONTHS[:2], [3, 2], target=0, unit="count", higher_better=False) is None


def test_kpi_projection_fits_the_metrics_layer_values(demo_db: Path) -> None:
    kpi_id, month = "caseload_qsw_over_cap_pct", date(2020, 9, 1)
    values = api.kpi_values(demo_db, [kpi_id], teams=["ALL"])
    values = values[pd.to_datetime(values["month"]) <= pd.Timestamp(month)]
    expected = project(
        list(values["month"]),
        list(values["value"]),
        target=0,
        unit="percent",
        higher_better=False,
        due=api.target_date(kpi_id),
    )
    got = kpi_projection(demo_db, kpi_id, month)
    assert got == expected
    assert got.due == date(2020, 3, 31)


def test_a_rise_until_measure_projects_toward_its_level(demo_db: Path) -> None:
    # "Rise month on month until at least 95 %" has a level to reach, so a trend toward it;
    # there is no due date, only the level.
    projection = kpi_projection(demo_db, "visits_in_time_pct", date(2021, 6, 1))
    assert projection is not None and projection.due is None
    assert projection.target == load_config().threshold("visits_in_time_pct").limit
