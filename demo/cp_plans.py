"""The demo council's child protection plans: when each began and ended, how many before,
and their review conferences.

Every child on a CP plan in the council's caseloads (``demo.council``) has a plan: begun
when the child first appears on one (a child there from the start began some months
before, now and then more than two years before), ended in the month the child is no longer
on a CP plan. A struggling team sees more children return to a plan (a second or subsequent
plan). Each plan's review conferences fall due as Working Together sets them (3 months
after the plan's start, then every 6 months) and a struggling team holds more of them late.
Written as the cp_plans and cp_reviews returns, the rows a council's children in need census
and case management system give month by month; drawn from random streams of their own (the
reviews' spawned from the plans'), so the other returns' rows are the same as before each was
added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from weakref import WeakKeyDictionary

import numpy as np
from dateutil.relativedelta import relativedelta

from demo.council import Council, month_end, team_quality


@dataclass
class Plan:
    """One child's current plan: its team, start, the number of plans before it and its
    review conferences so far, oldest first."""

    team: str
    start: date
    previous: int
    reviews: list[date] = field(default_factory=list)

    @property
    def next_review(self) -> date:
        """Working Together's due date: 3 months after the start, then 6 after the last."""
        if not self.reviews:
            return self.start + relativedelta(months=3)
        return self.reviews[-1] + relativedelta(months=6)


@dataclass
class ProtectionPlans:
    council: Council
    rng: np.random.Generator
    plans: dict[str, Plan] = field(default_factory=dict)
    started: bool = False
    #: the reviews' own stream (spawning leaves ``rng``'s draws, so the plans, unchanged)
    review_rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.review_rng = self.rng.spawn(1)[0]

    def _day_in(self, month: date) -> date:
        return month + timedelta(days=int(self.rng.integers(0, month_end(month).day)))

    def step(self, month: date) -> dict[str, list[dict[str, str]]]:
        """This month's rows: every plan open at some point in it, the ended ones with their
        end date, and the review conferences held in it on plans still open at its end."""
        rows, reviews = [], []
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
                    plan = self.plans[child.child_id]
                    rows.append(_row(child.child_id, plan, None))
                    reviews += self._reviews(child.child_id, plan, month, q)
        for child_id in sorted(set(self.plans) - on_plan):
            plan = self.plans.pop(child_id)
            ended = max(self._day_in(month), plan.start)
            rows.append(_row(child_id, plan, ended))
        self.started = True
        return {"cp_plans": rows, "cp_reviews": reviews}

    def _reviews(self, child_id: str, plan: Plan, month: date, q: float) -> list[dict[str, str]]:
        """The reviews due by this month's end (earlier ones of a plan begun before the first
        month only recorded), each held up to 10 days early (not before the month it is due
        in) or, more often in a struggling team, up to 3 weeks late; one held after the
        month's end waits for next month."""
        out = []
        end = month_end(month)
        while (due := plan.next_review) <= end:
            late = self.review_rng.random() > 0.75 + 0.2 * q
            days = (
                int(self.review_rng.integers(1, 22))
                if late
                else -int(self.review_rng.integers(0, 11))
            )
            held = due + timedelta(days=days)
            if due >= month:  # one due this month is never held in the last
                held = max(held, month)
            if held > end:
                break
            if held >= month:
                out.append(
                    {
                        "child_id": child_id,
                        "team": plan.team,
                        "plan_start_date": plan.start.isoformat(),
                        "review_date": held.isoformat(),
                        "due_date": due.isoformat(),
                        "previous_review_date": plan.reviews[-1].isoformat()
                        if plan.reviews
                        else "",
                        "review_number": str(len(plan.reviews) + 1),
                    }
                )
            plan.reviews.append(held)
        return out

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
    """This month's cp_plans and cp_reviews rows for ``council`` (call once a month, in
    order)."""
    if council not in _STATES:
        _STATES[council] = ProtectionPlans(council, council.rng.spawn(1)[0])
    return _STATES[council].step(month)
