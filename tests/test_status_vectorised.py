"""Every status rule's judgements and words, held as they were when each rule kind became one
class (``metrics.rules``): ``tests/data/status_words.json.gz`` was written by the two
implementations it replaced (which agreed word for word), over frames that hit every branch
and edge of every kind, unit and direction. A change to any word or status fails here.

After a deliberate change of wording, rewrite it with
``python -m tests.test_status_vectorised`` and read the diff. (Rewritten when level and signal
came to decide together, issue 30: every row of the grid is now judged under each Making
Data Count variation.)

The same grid holds the property a board relies on: under one rule in one month, a better
level with a signal at least as good never has a worse status.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from datetime import date
from itertools import product
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.config import Threshold
from metrics.narrative import rule_clause
from metrics.rules import KINDS, kind_of
from metrics.settings_store import rule_summary
from metrics.spc import SIGNAL_RANK, SPECIAL_CONCERN, SPECIAL_IMPROVEMENT
from metrics.status import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, describe, judge, judge_frame

WORDS = Path(__file__).parent / "data" / "status_words.json.gz"
APRIL, MAY, JUNE = date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1)
NAN = float("nan")

RULES = {
    "cap": Threshold(kind="cap", limit=20),
    "cap_warn": Threshold(kind="cap", limit=20, warn_within=5),
    "floor_warn": Threshold(kind="floor", limit=95, warn_within=5),
    "floor": Threshold(kind="floor", limit=100),
    "floor0": Threshold(kind="floor", limit=0, warn_within=0.5),
    "target_due_later": Threshold(kind="target_by_date", target=10, date=date(2021, 9, 30)),
    "target_due_in_may": Threshold(kind="target_by_date", target=10, date=date(2021, 5, 31)),
    "target_due_mid_may": Threshold(kind="target_by_date", target=10, date=date(2021, 5, 15)),
    "target95": Threshold(kind="target_by_date", target=95, date=date(2021, 5, 31)),
    "rise": Threshold(kind="month_on_month_increase"),
    "rise_until": Threshold(kind="rise_until", limit=95),
    "rise_until_zero": Threshold(kind="rise_until", limit=0),
    "none": None,
}
# At the line, just either side of it (shown or not), on the warning band's edge, far off,
# zero, 100 %, negative, thousands, and no value at all.
VALUES = [20, 20.04, 20.05, 20.06, 19.96, 25, 24.99, 15, 15.01, 90, 94.95, 95, 100, 100.04]
VALUES += [99.96, 10, 10.04, 9.9, 0, -0.04, 1234.5, NAN, 0.5, 0.449]
PREVIOUS = [
    (NAN, None),
    (20, APRIL),
    (100, APRIL),
    (19.96, APRIL),
    (NAN, APRIL),
    (15, None),
    (10.04, MAY),
]
#: Each Making Data Count variation (``metrics.spc``) with the pattern a special cause has.
SIGNALS = [
    ("not_enough_months", ""),
    ("common_cause", ""),
    (SPECIAL_IMPROVEMENT, "7 months in a row above the average of 12.0"),
    (SPECIAL_CONCERN, "6 months in a row falling"),
]
COLUMNS = ["value", "month", "previous_value", "previous_month", "variation", "pattern"]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    rows = [r if len(r) == len(COLUMNS) else (*r, "not_enough_months", "") for r in rows]
    return pd.DataFrame(rows, columns=COLUMNS)


def _grid() -> pd.DataFrame:
    return _frame(
        [(v, m, *p, *s) for v, m, p, s in product(VALUES, (MAY, JUNE), PREVIOUS, SIGNALS)]
    )


def _words() -> dict:
    """Every rule under every unit and direction: its judgements of the grid and its words."""
    frame = _grid()
    out = {}
    for (name, rule), unit, higher in product(
        RULES.items(), ("percent", "number", "count"), (True, False)
    ):
        judged = judge_frame(frame, rule, unit=unit, higher_better=higher)
        key = f"{name}|{unit}|{higher}"
        out[key] = {
            "judged": [
                list(t)
                for t in zip(judged["status"], judged["reason"], judged["icon"], strict=True)
            ],
            "describe": describe(rule, unit, higher),
            "clause": rule_clause(rule, unit),
        }
        if rule is not None:
            out[key]["summary"] = rule_summary(rule, unit)
            out[key]["line"] = rule.line
            out[key]["fields"] = list(kind_of(rule).fields)
            out[key]["goal"] = kind_of(rule).goal
    return out


def test_every_rule_says_and_judges_what_it_said_before() -> None:
    expected = json.loads(gzip.decompress(WORDS.read_bytes()))
    got = json.loads(json.dumps(_words()))  # the same float and list forms as the file
    assert sorted(got) == sorted(expected)
    for key in expected:
        for part in expected[key]:
            assert got[key][part] == expected[key][part], (key, part)


def test_every_kind_is_held() -> None:
    """A new kind must be added to ``RULES`` (and the file rewritten) to be held here."""
    assert {r.kind for r in RULES.values() if r is not None} == set(KINDS)


def test_the_frame_gives_the_documented_words() -> None:
    """Not only equal to the file: the words themselves, for a few rows worked by hand."""
    frame = _frame([(97.0, MAY, NAN, None), (NAN, MAY, NAN, None), (23.5, MAY, NAN, None)])
    floor = judge_frame(frame, RULES["floor_warn"], unit="percent", higher_better=True)
    # 97.0 is 2 points over the target of 95 -> on track; no value -> no data for May 2021.
    assert list(floor["status"]) == ["on track", "no data", "off track"]
    assert floor["reason"].iloc[0] == "97.0%, at or above the target of 95.0%"
    assert floor["reason"].iloc[1] == "No data for May 2021: nothing to count"
    # 23.5 is 71.5 points under 95: outside the 5-point band.
    assert floor["reason"].iloc[2] == "23.5%, 71.5 points below the target of 95.0%"
    assert list(floor["icon"]) == ["✔", "–", "✖"]
    rise = judge_frame(
        _frame([(78.0, MAY, 80.0, APRIL), (80.02, MAY, 80.0, APRIL)]),
        RULES["rise"],
        unit="percent",
        higher_better=True,
    )
    # With no signal yet (too few months) a rise or a fall is a fact, not the verdict.
    assert list(rise["reason"]) == [
        "78.0%; not enough months yet to see a sustained rise; down 2.0 points on April 2021",
        "80.0%; not enough months yet to see a sustained rise; no change on April 2021",
    ]
    assert list(rise["status"]) == ["at risk", "at risk"]


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
            st.sampled_from(SIGNALS),
        ).map(lambda r: (*r[:4], *r[4])),
        max_size=40,
    ),
    rule=st.sampled_from(list(RULES.values())),
    unit=st.sampled_from(["percent", "number", "count"]),
    higher=st.booleans(),
)
def test_a_frame_judges_each_row_as_that_row_alone(rows, rule, unit, higher) -> None:
    """Judging many rows at once never lets one row's value or month leak into another's,
    and the frame keeps the index it was given."""
    frame = _frame(rows)
    frame.index = frame.index * 3 + 7  # a frame cut from a bigger one keeps its index
    fast = judge_frame(frame, rule, unit=unit, higher_better=higher)
    assert list(fast.index) == list(frame.index)
    for row, got in zip(frame.itertuples(index=False), fast.itertuples(index=False), strict=True):
        alone = judge(
            rule,
            None if math.isnan(row.value) else row.value,
            unit=unit,
            higher_better=higher,
            month=row.month,
            previous=None if math.isnan(row.previous_value) else row.previous_value,
            previous_month=row.previous_month,
            variation=row.variation,
            pattern=row.pattern,
        )
        assert (got.status, got.reason, got.icon) == (alone.status, alone.reason, alone.icon)


RANK = {OFF_TRACK: 0, AT_RISK: 1, ON_TRACK: 2}


def test_a_better_level_and_signal_never_has_a_worse_status() -> None:
    """Issue 30's property, over the whole grid: under one rule, unit, direction and month, a
    row whose level is at least as good and whose signal is at least as good never gets a
    worse status, whatever either row's month before was (the one-month change is a fact in
    the sentence, not the verdict). In the demo, before this, Visits' team table had 86.7%
    "on track" (it rose) beside 90.9% "off track" (it fell)."""
    frame = _grid()
    checked = 0
    for rule, unit, higher in product(
        RULES.values(), ("percent", "number", "count"), (True, False)
    ):
        judged = frame.assign(**judge_frame(frame, rule, unit=unit, higher_better=higher))
        judged = judged[judged["status"] != NO_DATA]
        # Better is what the rule asks for: lower under a cap, higher under a floor or a rise,
        # the KPI's polarity for a target.
        way = {"cap": -1, "floor": 1, "target_by_date": 1 if higher else -1}.get(
            rule.kind if rule else "", 1
        )
        level = judged["value"] * way
        signal = judged["variation"].map(SIGNAL_RANK)
        rank = judged["status"].map(RANK)
        for _, rows in judged.groupby("month"):
            idx = rows.index
            lv, sg, rk = level[idx].to_numpy(), signal[idx].to_numpy(), rank[idx].to_numpy()
            better = (lv[:, None] >= lv[None, :]) & (sg[:, None] >= sg[None, :])
            worse = rk[:, None] < rk[None, :]
            bad = better & worse
            assert not bad.any(), (rule, unit, higher, rows.iloc[bad.nonzero()[0][0]])
            checked += int(better.sum())
    assert checked > 100_000  # the grid's pairs were compared, not skipped


def test_a_rise_is_read_as_making_data_count_reads_it() -> None:
    """Hand-worked rows under "rise until 95%": a one-month rise alone is not on track; a
    special-cause improvement is; a level at 95% is whatever the signal; a concern is off."""
    rule = RULES["rise_until"]
    rows = _frame(
        [
            (86.7, MAY, 84.7, APRIL, "common_cause", ""),  # up 2.0, but noise: at risk
            (90.9, MAY, 92.0, APRIL, "common_cause", ""),  # down 1.1, same signal: at risk
            (
                86.7,
                MAY,
                84.7,
                APRIL,
                SPECIAL_IMPROVEMENT,
                "8 months in a row above the average of 71.7%",
            ),
            (95.4, MAY, 96.0, APRIL, SPECIAL_CONCERN, "6 months in a row falling"),
            (70.0, MAY, 75.0, APRIL, SPECIAL_CONCERN, "6 months in a row falling"),
        ]
    )
    judged = judge_frame(rows, rule, unit="percent", higher_better=True)
    assert list(judged["status"]) == ["at risk", "at risk", "on track", "on track", "off track"]
    assert judged["reason"].iloc[0] == (
        "86.7%, below the target of 95.0%; no sustained rise (common cause variation); "
        "up 2.0 points on April 2021"
    )
    assert judged["reason"].iloc[2] == (
        "86.7%, below the target of 95.0%, but improving — special cause: 8 months in a row "
        "above the average of 71.7%; up 2.0 points on April 2021"
    )


if __name__ == "__main__" and sys.argv[1:] == []:
    WORDS.write_bytes(gzip.compress(json.dumps(_words(), sort_keys=True).encode(), mtime=0))
    print(f"wrote {WORDS}")
