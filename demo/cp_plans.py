"""The demo council's child protection plans: when each began and ended, and how many before.

Every child on a CP plan in the council's caseloads (``demo.council``) has a plan: begun
when the child first appears on one (a child there from the start began some months
before, now and then more than two years before), ended in the month the child is no longer
on a CP plan. A struggling team sees more children return to a plan (a second or subsequent
plan). Written as the cp_plans return, the rows a council's children in need census gives
month by month; drawn from a random stream of its own, so the other returns' rows are the
same as before it was added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from weakref import WeakKeyDictionary

import numpy as np

from demo.council import Council, month_end, team_quality


@dataclass
class Plan:
    """One child's current plan: its team, start and the number of plans before it."""

    team: str
    start: date
    previous: int


@dataclass
class ProtectionPlans:
    council: Council
    rng: np.random.Generator
    plans: dict[str, Plan] = field(default_factory=dict)
    started: bool = False

    def _day_in(self, month: date) -> date:
        return month + timedelta(days=int(self.rng.integers(0, month_end(month).day)))

    def step(self, month: date) -> list[dict[str, str]]:
        """This month's rows: every plan open at some point in it, the ended ones with their
        end date."""
        rows = []
        on_plan = set()
        for team in self.council.teams:
            q = team_quality(team, month)
            for worker in team.workers:
                for child in worker.children:
                    if child.plan_type != "CP":
                        continue
                    on_plan.add(child.child_id)
                    if child.child_id not in self.plans:
                        self.plans[child.child_id] = self._new(team.name, month, q)
                    rows.append(_row(child.child_id, self.plans[child.child_id], None))
        for child_id in sorted(set(self.plans) - on_plan):
            plan = self.plans.pop(child_id)
            ended = max(self._day_in(month), plan.start)
            rows.append(_row(child_id, plan, ended))
        self.started = True
        return rows

    def _new(self, team: str, month: date, q: float) -> Plan:
        """A new plan this month, or, in the first month, one the child was already on (some
        begun more than two years before)."""
        start = self._day_in(month)
        if not self.started:
            longest = 900 if self.rng.random() < 0.2 else 300
            start -= timedelta(days=int(self.rng.integers(0, longest)))
        previous = int(self.rng.random() < 0.3 - 0.12 * q) + int(self.rng.random() < 0.04)
        return Plan(team, start, previous)


def _row(child_id: str, plan: Plan, ended: date | None) -> dict[str, str]:
    return {
        "child_id": child_id,
        "team": plan.team,
        "plan_start_date": plan.start.isoformat(),
        "plan_end_date": ended.isoformat() if ended else "",
        "previous_plans": str(plan.previous),
    }


_STATES: WeakKeyDictionary[Council, ProtectionPlans] = WeakKeyDictionary()


def cp_plans_rows(council: Council, month: date) -> dict[str, list[dict[str, str]]]:
    """This month's cp_plans rows for ``council`` (call once a month, in order)."""
    if council not in _STATES:
        _STATES[council] = ProtectionPlans(council, council.rng.spawn(1)[0])
    return {"cp_plans": _STATES[council].step(month)}
