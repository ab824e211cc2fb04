"""Status rules: from a KPI value and its council threshold to on track / at risk / off track.

A status always comes with its reason in words and an icon, so it never rests on colour:
"✖ off track — Down 3.1 points on April 2021; must rise every month until at least 95.0%."

What each rule kind means (its judgement and its words) is one class in ``metrics.rules``;
this module runs it over a frame of values and puts the words in their final form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.config import Threshold
from metrics.formatting import uk_month
from metrics.rules import (
    AT_RISK,
    MUST_RISE,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    kind_of,
    month_end,
    must_rise,
    texts,
)
from metrics.spc import TOO_FEW

__all__ = [
    "AT_RISK",
    "ICONS",
    "MUST_RISE",
    "NO_DATA",
    "OFF_TRACK",
    "ON_TRACK",
    "Status",
    "describe",
    "judge",
    "judge_frame",
    "month_end",
    "must_rise",
]

ICONS = {ON_TRACK: "✔", AT_RISK: "▲", OFF_TRACK: "✖", NO_DATA: "–"}


@dataclass(frozen=True)
class Status:
    """A judged KPI value: the status word, why, and its icon."""

    status: str
    reason: str
    icon: str


def judge(
    rule: Threshold | None,
    value: float | None,
    *,
    unit: str,
    higher_better: bool,
    month: date,
    previous: float | None = None,
    previous_month: date | None = None,
    variation: str = TOO_FEW,
    pattern: str = "",
) -> Status:
    """The status of one KPI value for one month (and team or breakdown): ``judge_frame``
    on a single row, so one value and a page of them are judged by the same code."""
    frame = pd.DataFrame(
        {
            "value": [np.nan if value is None else value],
            "month": [month],
            "previous_value": [np.nan if previous is None else previous],
            "previous_month": [previous_month],
            "variation": [variation],
            "pattern": [pattern],
        }
    )
    row = judge_frame(frame, rule, unit=unit, higher_better=higher_better).iloc[0]
    return Status(row["status"], row["reason"], row["icon"])


def describe(rule: Threshold | None, unit: str, higher_better: bool) -> str:
    """The rule in words, for "how this is calculated"."""
    if rule is None:
        return "No target or limit is set."
    return kind_of(rule).describe(rule, unit, higher_better)


def _capitalised(reasons: list[str]) -> list[str]:
    return [r[0].upper() + r[1:] for r in reasons]


def judge_frame(
    frame: pd.DataFrame, rule: Threshold | None, *, unit: str, higher_better: bool
) -> pd.DataFrame:
    """The status of every row of ``frame`` under one rule, a rule's rows at a time.

    ``frame`` has ``value``, ``month``, ``previous_value`` and ``previous_month``, and may
    have ``variation`` (a ``metrics.spc`` code; none: not enough months yet) and ``pattern``
    (the special cause in words); the result has ``status``, ``reason`` and ``icon`` on the
    same index. A missing value is "no data";
    present values are judged by the rule's kind (``metrics.rules``). Judging row by row cost
    ~30 µs a row, most of a cold page at 153 councils.
    """
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    statuses = np.full(len(frame), NO_DATA, dtype=object)
    months = list(frame["month"])
    no_data = texts([m for m, ok in zip(months, present, strict=True) if not ok], uk_month)
    reasons = np.array(
        [
            "" if ok else f"no data for {no_data[m]}: nothing to count"
            for m, ok in zip(months, present, strict=True)
        ],
        dtype=object,
    )
    rows = np.flatnonzero(present)
    if rule is None:
        reasons[rows] = "no target or limit is set for this measure in the council settings"
    elif len(rows):
        previous = pd.to_numeric(frame["previous_value"], errors="coerce")
        earlier = list(frame["previous_month"])
        variations = (
            frame["variation"].fillna(TOO_FEW).to_numpy(dtype=object)
            if "variation" in frame
            else np.full(len(frame), TOO_FEW, dtype=object)
        )
        patterns = list(frame["pattern"].fillna("")) if "pattern" in frame else [""] * len(frame)
        judged = kind_of(rule).judge(
            rule,
            values[rows],
            unit=unit,
            higher_better=higher_better,
            months=[months[i] for i in rows],
            previous=previous.to_numpy(dtype=float, na_value=np.nan)[rows],
            previous_months=[earlier[i] for i in rows],
            variations=variations[rows],
            patterns=[patterns[i] for i in rows],
        )
        statuses[rows], reasons[rows] = judged[0], np.array(judged[1], dtype=object)
    return pd.DataFrame(
        {
            "status": statuses,
            "reason": _capitalised(list(reasons)),
            "icon": [ICONS[s] for s in statuses],
        },
        index=frame.index,
    )
