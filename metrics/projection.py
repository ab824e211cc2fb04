"""Projections: when will a KPI reach its target if the recent trend carries on?

A board asks "when will we get there?". The answer here is deliberately simple and said
plainly: a least-squares straight line through the council's last six loaded months, followed
forward month by month until its value (rounded as shown) meets the target. A line that is
flat, heading the wrong way or needing more than ten years gives "not met on current
trend". It is a projection, not a
forecast, and the wording and the dotted chart line say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from metrics import api
from metrics.formatting import format_value, is_missing, rounded, uk_date, uk_month
from metrics.rules import kind_of

WINDOW = 6
MIN_POINTS = 3
#: a line that needs longer than this (ten years) to get there counts as not met
HORIZON = 120
#: how far ahead the dotted line is drawn when the target is further off (or never met)
DRAW_MONTHS = 12
NOT_MET = "not met on current trend"


@dataclass(frozen=True)
class Projection:
    """A straight-line projection towards a target.

    ``met_month`` is the first month the line meets the target (``None``: not met on the
    current trend); ``already_met`` when the latest month meets it. ``points`` are the
    months and values of the dotted line, from the latest month onwards.
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

    @property
    def late(self) -> bool:
        """True when the projected month is after the target's due date."""
        return self.met_month is not None and self.due is not None and self.met_month > self.due

    def sentence(self) -> str:
        """The projection in words, e.g. "At this rate the target of 0.0% is met by ..."."""
        target = f"{self.goal} of {format_value(self.target, self.unit)}"
        if self.already_met:
            return f"The {target} is met in {uk_month(self.latest)}."
        if self.met_month is None:
            return f"At the rate of the last {WINDOW} months the {target} is {NOT_MET}."
        text = f"At the rate of the last {WINDOW} months the {target} is met by "
        text += uk_month(self.met_month)
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
    shown, goal = rounded(value, unit), rounded(target, unit)
    return shown >= goal if higher_better else shown <= goal


def project(
    months: Sequence[object],
    values: Sequence[float],
    *,
    target: float,
    unit: str,
    higher_better: bool,
    due: date | None = None,
    goal: str = "target",
) -> Projection | None:
    """Fit the last ``WINDOW`` months that have a value and follow the line to ``target``.

    ``None`` when fewer than ``MIN_POINTS`` of those months have a value. Months are placed
    by their calendar position, so a month with no return is a gap, not a squeezed step.
    """
    known = sorted(
        (_index(m), float(v)) for m, v in zip(months, values, strict=True) if not is_missing(v)
    )[-WINDOW:]
    if len(known) < MIN_POINTS:
        return None
    xs = [x for x, _ in known]
    ys = [y for _, y in known]
    x_mean, y_mean = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in known) / spread
    intercept = y_mean - slope * x_mean
    last = xs[-1]
    already = _meets(ys[-1], target, unit, higher_better)
    ahead = range(last + 1, last + HORIZON + 1)
    reached = (x for x in ahead if _meets(slope * x + intercept, target, unit, higher_better))
    met = None if already else next(reached, None)
    end = met if met is not None else last + DRAW_MONTHS
    points = tuple(
        (_month(x), slope * x + intercept) for x in range(last, min(end, last + DRAW_MONTHS) + 1)
    )
    return Projection(
        target=target,
        unit=unit,
        due=due,
        goal=goal,
        slope=slope,
        latest=_month(last),
        met_month=None if met is None else _month(met),
        already_met=already,
        points=points if not already else (),
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
    )
