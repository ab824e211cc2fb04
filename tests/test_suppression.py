"""Small-number suppression: counts 1–4 become "<5", percentages of under 5 cases are withheld."""

from __future__ import annotations

import math

import pytest

from metrics.config import load_config
from metrics.suppression import SHOW_ALL, WITHHELD, Suppressor, for_exports

ON = Suppressor(enabled=True, threshold=5)


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (1, "<5"), (3, "<5"), (4, "<5"), (5, "5"), (12, "12"), (math.nan, "no data")],
)
def test_counts_one_to_four_are_hidden(count: float, shown: str) -> None:
    assert ON.value(count, "count") == shown
    assert ON.count(count) == shown


def test_percentages_from_fewer_than_five_cases_are_withheld() -> None:
    # 2 of 4 = 50.0%: the denominator 4 is under 5, so withheld; 5 of 10 = 50.0% is shown
    assert ON.value(50.0, "percent", denominator=4) == WITHHELD
    assert ON.value(50.0, "percent", denominator=10) == "50.0%"
    # a month with no cases has no value at all, which is shown as such
    assert ON.value(math.nan, "percent", denominator=0) == "no data"
    assert ON.hides(50.0, "percent", 4) and not ON.hides(50.0, "percent", 5)


def test_ratios_are_not_counts_and_stay_shown() -> None:
    # an average caseload of 3.5 children per FTE is not a count of children
    assert ON.value(3.5, "number", denominator=2.0) == "3.5"


def test_switched_off_shows_every_figure() -> None:
    assert SHOW_ALL.value(3, "count") == "3"
    assert SHOW_ALL.value(50.0, "percent", denominator=2) == "50.0%"
    assert "shown in full" in SHOW_ALL.note()


def test_a_higher_threshold_hides_more() -> None:
    ten = Suppressor(enabled=True, threshold=10)
    assert ten.value(7, "count") == "<10"
    assert ten.value(40.0, "percent", denominator=9) == WITHHELD


def test_exports_follow_the_council_setting() -> None:
    rule = load_config().suppression
    chosen = for_exports()
    assert chosen.enabled == rule.enabled_for_exports
    assert chosen.threshold == rule.threshold
    assert "<5" in chosen.note() or not chosen.enabled
