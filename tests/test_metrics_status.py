"""Status rules in words: cap, floor with warning band, target by a date, month-on-month rise."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.config import Threshold
from metrics.status import judge

MAY = date(2021, 5, 1)


def _judge(rule: Threshold, value: float, unit: str = "percent", **kw):
    return judge(rule, value, unit=unit, higher_better=kw.pop("higher", True), month=MAY, **kw)


def test_floor_with_warning_band() -> None:
    rule = Threshold(kind="floor", limit=100, warn_within=5)
    assert _judge(rule, 100).status == "on track"
    # 97.0 is 3 points short: inside the 5-point band.
    verdict = _judge(rule, 97)
    assert (verdict.status, verdict.icon) == ("at risk", "▲")
    assert verdict.reason == "97.0%, 3.0 points below the target of 100.0%"
    assert _judge(rule, 94.9).status == "off track"


def test_cap_compares_the_shown_value() -> None:
    rule = Threshold(kind="cap", limit=25)
    # 25.04 is shown as 25.0, so it is at the cap, not over it.
    assert _judge(rule, 25.04, unit="number", higher=False).status == "on track"
    assert _judge(rule, 25.1, unit="number", higher=False).status == "off track"


def test_target_by_date_is_at_risk_before_and_off_track_after() -> None:
    before = Threshold(kind="target_by_date", target=0, date=date(2021, 9, 30))
    after = Threshold(kind="target_by_date", target=0, date=date(2021, 5, 31))
    assert _judge(before, 4.0, higher=False).status == "at risk"
    verdict = _judge(after, 4.0, higher=False)
    assert verdict.status == "off track"
    assert verdict.reason == "4.0%; target date 31 May 2021 passed, the target of 0.0% not met"
    assert _judge(after, 0.0, higher=False).status == "on track"


def test_month_on_month_rise_is_read_from_the_signal_not_one_month() -> None:
    """Issue 30: a "month-on-month increase" is met by special-cause improvement (Making Data
    Count's reading), not by one month above the last; the month's change stays a fact."""
    rule = Threshold(kind="month_on_month_increase")
    april = date(2021, 4, 1)
    common = _judge(rule, 81, previous=80, previous_month=april, variation="common_cause")
    assert common.status == "at risk"  # up 1.0 point, but within common-cause variation
    assert common.reason == (
        "81.0%; no sustained rise (common cause variation); up 1.0 points on April 2021"
    )
    rising = _judge(
        rule,
        78,
        previous=80,
        previous_month=april,
        variation="special_cause_improvement",
        pattern="6 months in a row rising",
    )
    # down 2.0 on the month, yet the process shows a sustained rise: on track
    assert rising.status == "on track"
    assert rising.reason == (
        "78.0%, but improving — special cause: 6 months in a row rising; "
        "down 2.0 points on April 2021"
    )
    concern = _judge(rule, 81, previous=80, previous_month=april, variation="special_cause_concern")
    assert concern.status == "off track"
    assert _judge(rule, 90).status == "at risk"  # not enough months yet, nothing to compare


def test_rise_until_a_level_is_on_track_at_or_above_the_level() -> None:
    """The contradiction the rule removes: under "rise every month" a team at 95.5% that
    dipped from 96.0% was off track while one at 84.8% up from 84.0% was on track."""
    rule = Threshold(kind="rise_until", limit=95)
    april = date(2021, 4, 1)
    high = _judge(rule, 95.5, previous=96.0, previous_month=april, variation="common_cause")
    assert (high.status, high.reason) == (
        "on track",
        "95.5%, at or above the target of 95.0%; down 0.5 points on April 2021",
    )
    # 94.96 is shown as 95.0%: at the level, so on track even though it fell.
    assert _judge(rule, 94.96, previous=99, previous_month=april).status == "on track"
    # 94.94 is shown as 94.9%: below the target; down 4.1 points on 99.0% is noise here.
    low = _judge(rule, 94.94, previous=99, previous_month=april, variation="common_cause")
    assert low.status == "at risk"
    assert low.reason == (
        "94.9%, below the target of 95.0%; no sustained rise (common cause variation); "
        "down 4.1 points on April 2021"
    )
    # 84.8% up 0.8 with the same signal: the same status as 94.9% down 4.1, never better
    up = _judge(rule, 84.8, previous=84.0, previous_month=april, variation="common_cause")
    assert up.status == "at risk"
    assert _judge(rule, 97.0).status == "on track"  # at the level needs no earlier month


def test_a_cap_missed_while_improving_is_at_risk_and_a_target_moving_away_is_off_track() -> None:
    cap = Threshold(kind="cap", limit=25)
    better = _judge(
        cap,
        31.0,
        unit="number",
        higher=False,
        variation="special_cause_improvement",
        pattern="7 months in a row below the average of 33.0",
    )
    assert better.status == "at risk"
    assert better.reason == (
        "31.0, 6.0 above the limit of 25.0, but improving — special cause: 7 months in a row "
        "below the average of 33.0"
    )
    assert _judge(cap, 31.0, unit="number", higher=False).status == "off track"
    due = Threshold(kind="target_by_date", target=0, date=date(2021, 9, 30))
    away = _judge(
        due,
        4.0,
        higher=False,
        variation="special_cause_concern",
        pattern="6 months in a row rising",
    )
    assert away.status == "off track"
    assert away.reason == (
        "4.0%; must reach 0.0% by 30 September 2021 and is moving away from it — special "
        "cause: 6 months in a row rising"
    )


def test_rise_until_needs_its_level() -> None:
    from metrics.config import _threshold

    with pytest.raises(ValueError, match="needs `limit`"):
        _threshold({"kind": "rise_until"})
    assert _threshold({"kind": "rise_until", "limit": 95}).line == 95


def test_no_value_is_no_data_not_a_fail() -> None:
    verdict = _judge(Threshold(kind="floor", limit=100), float("nan"))
    assert verdict.status == "no data" and "May 2021" in verdict.reason


def test_cap_with_warning_band() -> None:
    rule = Threshold(kind="cap", limit=20, warn_within=5)
    assert _judge(rule, 20.0, higher=False).status == "on track"  # at the limit
    # 23.5 is 3.5 points over: inside the band, at risk; 25.0 is 5 points over: off track.
    verdict = _judge(rule, 23.5, higher=False)
    assert verdict.status == "at risk"
    assert verdict.reason == "23.5%, 3.5 points above the limit of 20.0%"
    assert _judge(rule, 25.0, higher=False).status == "off track"


def test_overrides_apply_to_their_breakdown_only() -> None:
    rule = Threshold(kind="cap", limit=25, overrides={"role": {"ASYE": {"limit": 18}}})
    assert rule.for_breakdown({"role": "ASYE"}).limit == 18
    assert rule.for_breakdown({"role": "QSW"}).limit == 25
    # 20 children per FTE: within the QSW cap, over the ASYE one.
    asye = _judge(rule.for_breakdown({"role": "ASYE"}), 20, unit="number", higher=False)
    assert asye.status == "off track" and asye.reason == "20.0, 2.0 above the limit of 18.0"
