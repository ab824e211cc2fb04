"""``judge_frame`` (a rule's rows at a time, what the read API uses) says word for word what
``judge`` (one value, the rules as written) says, on frames that hit every branch and edge.
"""

from __future__ import annotations

import math
from datetime import date
from itertools import product

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.config import Threshold
from metrics.status import judge, judge_frame

APRIL, MAY, JUNE = date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1)
NAN = float("nan")

RULES = {
    "cap": Threshold(kind="cap", limit=20),
    "cap_warn": Threshold(kind="cap", limit=20, warn_within=5),
    "floor_warn": Threshold(kind="floor", limit=95, warn_within=5),
    "floor": Threshold(kind="floor", limit=100),
    "target_due_later": Threshold(kind="target_by_date", target=10, date=date(2021, 9, 30)),
    "target_due_in_may": Threshold(kind="target_by_date", target=10, date=date(2021, 5, 31)),
    "target_due_mid_may": Threshold(kind="target_by_date", target=10, date=date(2021, 5, 15)),
    "rise": Threshold(kind="month_on_month_increase"),
    "rise_until": Threshold(kind="rise_until", limit=95),
    "rise_until_zero": Threshold(kind="rise_until", limit=0),
    "asye_cap": Threshold(
        kind="cap", limit=25, overrides={"role": {"ASYE": {"limit": 18}}}
    ).for_breakdown({"role": "ASYE"}),
    "none": None,
}
# At the line, just either side of it (shown or not), on the warning band's edge, far off,
# zero, 100 %, negative, thousands, and no value at all.
VALUES = [20, 20.04, 20.05, 20.06, 19.96, 25, 24.99, 15, 15.01, 90, 94.95, 95, 100, 100.04]
VALUES += [99.96, 10, 10.04, 9.9, 0, -0.04, 1234.5, NAN]
PREVIOUS = [(NAN, None), (20, APRIL), (100, APRIL), (19.96, APRIL), (NAN, APRIL), (15, None)]


def _row_by_row(frame: pd.DataFrame, rule: Threshold | None, unit: str, higher: bool) -> list:
    out = []
    for row in frame.itertuples(index=False):
        verdict = judge(
            rule,
            None if math.isnan(row.value) else row.value,
            unit=unit,
            higher_better=higher,
            month=row.month,
            previous=None if math.isnan(row.previous_value) else row.previous_value,
            previous_month=row.previous_month,
        )
        out.append((verdict.status, verdict.reason, verdict.icon))
    return out


def _assert_same(frame: pd.DataFrame, rule: Threshold | None, unit: str, higher: bool) -> None:
    fast = judge_frame(frame, rule, unit=unit, higher_better=higher)
    assert list(fast.index) == list(frame.index)
    got = list(zip(fast["status"], fast["reason"], fast["icon"], strict=True))
    assert got == _row_by_row(frame, rule, unit, higher)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["value", "month", "previous_value", "previous_month"])
    frame.index = frame.index * 3 + 7  # a frame cut from a bigger one keeps its index
    return frame


def test_every_rule_unit_and_edge_judges_as_row_by_row() -> None:
    rows = [
        (value, month, *before) for value, month, before in product(VALUES, (MAY, JUNE), PREVIOUS)
    ]
    frame = _frame(rows)
    for rule, unit, higher in product(
        RULES.values(), ("percent", "number", "count"), (True, False)
    ):
        _assert_same(frame, rule, unit, higher)


def test_the_frame_gives_the_documented_words() -> None:
    """Not only equal to ``judge``: the words themselves, for a few rows worked by hand."""
    frame = _frame([(97.0, MAY, NAN, None), (NAN, MAY, NAN, None), (23.5, MAY, NAN, None)])
    floor = judge_frame(frame, RULES["floor_warn"], unit="percent", higher_better=True)
    # 97.0 is 2 points over the floor of 95 -> on track; no value -> no data for May 2021.
    assert list(floor["status"]) == ["on track", "no data", "off track"]
    assert floor["reason"].iloc[0] == "97.0%, at or above the floor of 95.0%"
    assert floor["reason"].iloc[1] == "No data for May 2021: nothing to count"
    # 23.5 is 71.5 points under 95: outside the 5-point band.
    assert floor["reason"].iloc[2] == "23.5%, 71.5 points below the floor of 95.0%"
    assert list(floor["icon"]) == ["✔", "–", "✖"]
    rise = judge_frame(
        _frame([(78.0, MAY, 80.0, APRIL), (80.02, MAY, 80.0, APRIL)]),
        RULES["rise"],
        unit="percent",
        higher_better=True,
    )
    assert list(rise["reason"]) == [
        "Down 2.0 points on April 2021; must rise every month",
        "No change on April 2021; must rise every month",
    ]


def test_an_empty_frame_judges_to_an_empty_frame() -> None:
    judged = judge_frame(_frame([]), RULES["cap"], unit="number", higher_better=False)
    assert judged.empty and list(judged.columns) == ["status", "reason", "icon"]


values = st.one_of(st.just(NAN), st.integers(-50, 2000).map(lambda n: n / 20), st.floats(-1e4, 1e4))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            values,
            st.sampled_from([MAY, JUNE]),
            values,
            st.sampled_from([None, APRIL, MAY]),
        ),
        max_size=40,
    ),
    rule=st.sampled_from(list(RULES.values())),
    unit=st.sampled_from(["percent", "number", "count"]),
    higher=st.booleans(),
)
def test_random_frames_judge_as_row_by_row(rows, rule, unit, higher) -> None:
    _assert_same(_frame(rows), rule, unit, higher)
