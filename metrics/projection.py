"""Projections: when will a KPI reach its target, if a real change carries on?

A board asks "when will we get there?". A line through the last few months answered it
before, and swung with every noisy month; it also started wherever the fitted line happened
to be, not at the latest figure. Now the answer follows the process (``metrics.spc``):

- only a **special-cause shift or trend** (a sustained change, as Making Data Count reads
  one) is projected. The line starts at the latest actual value and its slope is the
  Theil–Sen estimate (the median of the slopes between every pair of months) over the
  current baseline: one odd month moves a median little, where it tilts a least-squares
  line. It is followed month by month until its value (rounded as shown) meets the target;
  a line heading the wrong way, flat, or needing more than ten years is "not met on the
  current trend";
- with **common-cause variation** there is no change to carry forward: the sentence says
  "no sustained change: at this level the target is not met" (or "met" when the process
  average meets it), and no line or date is drawn;
- with too few months for limits, it says so.

It is a projection, not a forecast, and the wording and the dotted chart line say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from metrics import api, spc
from metrics.config import load_config
from metrics.formatting import format_value, is_missing, rounded, uk_date, uk_month
from metrics.rules import kind_of

#: a line that needs longer than this (ten years) to get there counts as not met
HORIZON = 120
#: how far ahead the dotted line is drawn when the target is further off (or never met)
DRAW_MONTHS = 12
NOT_MET = "not met on the current trend"
#: what a projection rests on: a sustained change, no change, or too few months to tell
TREND, STEADY, TOO_FEW = "trend", "steady", "too_few"


@dataclass(frozen=True)
class Projection:
    """A projection towards a target.

    ``basis`` is ``trend`` (a special-cause shift or trend, projected), ``steady``
    (common-cause variation: no date, the level said) or ``too_few``. ``met_month`` is the
    first month the line meets the target (``None``: not met on the current trend or not
    projected); ``already_met`` when the latest month meets it. ``points`` are the months and
    values of the dotted line, from the latest month and value onwards (trend only).
    """

    target: float
    unit: str
    due: date | None
    goal: str
    slope: float
    latest: date
    met_month: date | None
    already_met: bool
    points: tuple[tuple[date, float], ...]
    basis: str = TREND
    mean: float = float("nan")
    higher_better: bool = True
    since: date | None = None
    months: int = 0
    minimum: int = spc.SpcRules().minimum

    @property
    def late(self) -> bool:
        """True when the projected month is after the target's due date."""
        return self.met_month is not None and self.due is not None and self.met_month > self.due

    def sentence(self) -> str:
        """The projection in words, e.g. "If the sustained rise since … carries on, the
        target of 95.0% is met by …", or why there is no date."""
        target = f"{self.goal} of {format_value(self.target, self.unit)}"
        if self.already_met:
            return f"The {target} is met in {uk_month(self.latest)}."
        if self.basis == TOO_FEW:
            return (
                f"Not enough months yet to project: {self.months} of the {self.minimum} "
                "months needed to tell a sustained change from noise."
            )
        if self.basis == STEADY:
            met = _meets(self.mean, self.target, self.unit, self.higher_better)
            return (
                f"No sustained change: at this level (an average of "
                f"{format_value(self.mean, self.unit)}) the {target} is "
                f"{'met' if met else 'not met'}."
            )
        way = "rise" if self.slope > 0 else "fall" if self.slope < 0 else "change"
        start = f" since {uk_month(self.since)}" if self.since is not None else ""
        lead = f"If the sustained {way}{start} carries on, the {target} is"
        if self.met_month is None:
            return f"{lead} {NOT_MET}."
        text = f"{lead} met by {uk_month(self.met_month)}"
        if self.due is not None:
            when = "after" if self.late else "in time for"
            text += f" — {when} the {uk_date(self.due)} target date"
        return text + "."


def _index(month: object) -> int:
    stamp = pd.Timestamp(month)
    return stamp.year * 12 + stamp.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _meets(value: float, target: float, unit: str, higher_better: bool) -> bool:
    if is_missing(value):
        return False
    shown, goal = rounded(value, unit), rounded(target, unit)
    return shown >= goal if higher_better else shown <= goal


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The median of the slopes between every pair of points (robust to an odd month)."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    i, j = np.triu_indices(len(x), k=1)
    apart = x[j] - x[i]
    keep = apart != 0
    return float(np.median((y[j] - y[i])[keep] / apart[keep])) if keep.any() else 0.0


def project(
    months: Sequence[object],
    values: Sequence[float],
    *,
    target: float,
    unit: str,
    higher_better: bool,
    due: date | None = None,
    goal: str = "target",
    rules: spc.SpcRules | None = None,
    kpi_id: str | None = None,
) -> Projection | None:
    """Read the series as a process (``metrics.spc``) and project it only if it changed.

    ``None`` when no month has a value. Months are placed by their calendar position, so a
    month with no return is a gap, not a squeezed step.
    """
    rules = rules or spc.SpcRules()
    known = sorted(
        (_index(m), float(v)) for m, v in zip(months, values, strict=True) if not is_missing(v)
    )
    if not known:
        return None
    last, latest = known[-1]
    series = pd.DataFrame({"month": [_month(x) for x, _ in known], "value": [y for _, y in known]})
    reading = spc.process(
        series, target=target, unit=unit, higher_better=higher_better, rules=rules, kpi_id=kpi_id
    )
    starts = [_index(d) for d in rules.rebases(kpi_id) if _index(d) <= last]
    since = max(starts) if starts else known[0][0]
    common = {
        "target": target,
        "unit": unit,
        "due": due,
        "goal": goal,
        "latest": _month(last),
        "already_met": _meets(latest, target, unit, higher_better),
        "mean": reading.mean,
        "higher_better": higher_better,
        "months": reading.months,
        "minimum": rules.minimum,
    }
    sustained = reading.variation in (spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN)
    if not sustained or reading.rule not in ("shift", "trend"):
        basis = TOO_FEW if reading.variation == spc.TOO_FEW else STEADY
        return Projection(slope=0.0, met_month=None, points=(), basis=basis, since=None, **common)
    segment = [(x, y) for x, y in known if x >= since]
    slope = theil_sen([x for x, _ in segment], [y for _, y in segment])
    line = [(x, latest + slope * (x - last)) for x in range(last, last + HORIZON + 1)]
    reached = (x for x, v in line[1:] if _meets(v, target, unit, higher_better))
    met = None if common["already_met"] else next(reached, None)
    end = min(met if met is not None else last + DRAW_MONTHS, last + DRAW_MONTHS)
    points = tuple((_month(x), v) for x, v in line if x <= end)
    return Projection(
        slope=slope,
        met_month=None if met is None else _month(met),
        points=() if common["already_met"] else points,
        basis=TREND,
        since=_month(since),
        **common,
    )


def kpi_projection(db: Path | str, kpi_id: str, month: object, team: str = api.ALL):
    """The projection for one KPI up to ``month`` (``None`` if it has no target to reach).

    KPIs with a target (by a date) or a cap or floor are projected; "must rise every month"
    has no level to reach. The values are the metrics layer's, as the charts show them.
    """
    k = api.kpi(kpi_id)
    rule = api.threshold(kpi_id)
    if rule is None or rule.line is None:
        return None
    values = api.kpi_values(db, [kpi_id], teams=[team])
    values = values[values["month"].map(_index) <= _index(month)]
    return project(
        list(values["month"]),
        list(values["value"]),
        target=float(rule.line),
        unit=k.unit,
        higher_better=k.higher_is_better,
        due=api.target_date(kpi_id),
        goal=kind_of(rule).goal,
        rules=load_config().spc,
        kpi_id=kpi_id,
    )
