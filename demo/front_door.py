"""The demo council's front door, assessments, changes of social worker and care leavers.

Northmoor's referrals, assessments, social worker allocations and care leavers tell the same
story as its other returns (``demo.council``): poor in spring 2019, improving steadily, losing
ground in the winter of 2020–21, with Safeguarding 2 behind. Allocations follow the council's
own simulation — a child who moves to another worker in the caseloads (a worker leaves, a
caseload is rebalanced) gets a new allocation — so they agree with the supervision and visits
returns. Everything else draws from a random stream of its own, so the other returns are the
same rows they were before these were added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd

from demo.council import Council, Team, month_end, team_quality

#: Referrals per team per month for a team whose work is all children in need.
REFERRALS_PER_MONTH = 14.0
#: The share of referrals that lead to an assessment (none while one is open for the child).
ASSESSED_SHARE = 0.75
#: Care leavers a children-in-care team supports at the start, and personal advisers per team.
CARE_LEAVERS_PER_TEAM = 35
ADVISERS_PER_TEAM = 4
EET = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5")
NEET = ("G4", "G5", "G6")


def _text(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass
class Allocation:
    """A worker's allocation to a child (``end`` None while the worker holds the child)."""

    worker_id: str
    start: date
    end: date | None = None


@dataclass
class Assessment:
    """An assessment, its authorisation date drawn when it starts."""

    child_id: str
    team: str
    worker_id: str
    start: date
    authorised: date


@dataclass
class CareLeaver:
    """A young person the council supports after care, with their SSDA903 codes (drawn when
    they join the list, then changing now and then)."""

    child_id: str
    adviser: str
    reviewed: date | None
    in_touch: str = ""
    suitable: str = ""
    activity: str = ""


@dataclass
class FrontDoor:
    """One council's front door and its children's allocation history, stepped with it."""

    council: Council
    rng: np.random.Generator
    next_child: int = 0
    #: child -> the dates it was referred (for "Number of Referrals in Last 12 Months")
    referred: dict[str, list[date]] = field(default_factory=dict)
    #: team -> children it referred, the candidates for a re-referral
    referred_by_team: dict[str, list[str]] = field(default_factory=dict)
    pending: list[Assessment] = field(default_factory=list)
    #: child -> its allocations, oldest first; only children open at the last month end
    allocations: dict[str, list[Allocation]] = field(default_factory=dict)
    leavers: dict[str, list[CareLeaver]] = field(default_factory=dict)

    def _child(self, kind: str) -> str:
        self.next_child += 1
        return self.council._id(kind, self.next_child)

    def _day_in(self, month: date) -> date:
        """A day of ``month``."""
        return month + timedelta(days=int(self.rng.integers(0, month_end(month).day)))

    def step(self, month: date) -> dict[str, list[dict[str, str]]]:
        """This month's rows of the four returns, after the council's own step."""
        first_month = not self.allocations
        referrals, leavers = [], []
        for team in self.council.teams:
            q = team_quality(team, month)
            referrals += self._referrals(team, month, q)
            leavers += self._care_leavers(team, month, q)
        return {
            "referrals": referrals,
            "assessments": self._assessments(month),
            "allocations": self._allocations(month, first_month),
            "care_leavers": leavers,
        }

    def _referrals(self, team: Team, month: date, q: float) -> list[dict[str, str]]:
        """This month's referrals to the team; a re-referral (about a third in spring 2019, a
        fifth once improved) is a child the team had referred in the 12 months before."""
        out = []
        earlier = self.referred_by_team.setdefault(team.name, [])
        for _ in range(self.rng.poisson(REFERRALS_PER_MONTH * team.plan_mix[0])):
            day = self._day_in(month)
            year_ago = (pd.Timestamp(day) - pd.DateOffset(months=12)).date()
            recent = [c for c in earlier[-300:] if year_ago <= self.referred[c][-1] < day]
            if recent and self.rng.random() < 0.34 - 0.14 * q:
                child = recent[int(self.rng.integers(len(recent)))]
            else:
                child = self._child("R")
                earlier.append(child)
            before = sum(year_ago <= d < day for d in self.referred.get(child, []))
            self.referred.setdefault(child, []).append(day)
            count = "" if self.rng.random() < 0.02 else str(before)  # now and then not recorded
            out.append(
                {
                    "child_id": child,
                    "team": team.name,
                    "referral_date": day.isoformat(),
                    "referrals_last_12_months": count,
                }
            )
            assessing = any(a.child_id == child for a in self.pending)
            if not assessing and self.rng.random() < ASSESSED_SHARE:
                self.pending.append(self._assessment(team, child, day, q))
        return out

    def _assessment(self, team: Team, child: str, referred: date, q: float) -> Assessment:
        """An assessment starting a few working days after the referral; authorised within 45
        working days more often as the team improves."""
        start = self.council._add_working_days(referred, int(self.rng.integers(0, 4)))
        within = self.rng.random() < 0.55 + 0.38 * q
        days = int(self.rng.integers(10, 46) if within else self.rng.integers(46, 80))
        worker = team.workers[int(self.rng.integers(len(team.workers)))].worker_id
        done = self.council._add_working_days(start, days)
        return Assessment(child, team.name, worker, start, done)

    def _assessments(self, month: date) -> list[dict[str, str]]:
        """Assessments authorised this month, and those started and still open at month end."""
        end = month_end(month)
        out, still = [], []
        for a in self.pending:
            if a.start > end:
                still.append(a)
                continue
            held = a.authorised <= end
            out.append(
                {
                    "child_id": a.child_id,
                    "team": a.team,
                    "worker_id": a.worker_id,
                    "assessment_start_date": a.start.isoformat(),
                    "assessment_authorised_date": _text(a.authorised if held else None),
                }
            )
            if not held:
                still.append(a)
        self.pending = still
        return out

    def _allocations(self, month: date, first_month: bool) -> list[dict[str, str]]:
        """Every allocation in the 12 months to month end of each child open at month end.

        A child held by another worker than last month changed worker on a day this month;
        a child no longer held has closed. In the first month each child is given a history
        (more changes in spring 2019), so the first year's figures are not all new cases.
        """
        window = (pd.Timestamp(month) - pd.DateOffset(months=11)).date()  # 12 months to end
        held: dict[str, list[Allocation]] = {}
        out = []
        for team in self.council.teams:
            for worker in team.workers:
                for child in worker.children:
                    history = self.allocations.get(child.child_id)
                    if history is None:
                        history = self._history(team, worker.worker_id, month, first_month)
                    elif history[-1].worker_id != worker.worker_id:
                        changed = self._day_in(month)
                        history[-1].end = changed - timedelta(days=1)
                        history.append(Allocation(worker.worker_id, changed))
                    history = [a for a in history if a.end is None or a.end >= window]
                    held[child.child_id] = history
                    out += [
                        {
                            "child_id": child.child_id,
                            "team": team.name,
                            "worker_id": a.worker_id,
                            "plan_type": child.plan_type,
                            "allocated_from": a.start.isoformat(),
                            "allocated_to": _text(a.end),
                        }
                        for a in history
                    ]
        self.allocations = held
        return out

    def _history(self, team: Team, worker: str, month: date, first_month: bool) -> list[Allocation]:
        """A new child's allocations: one from a day this month, or, in the first month, a
        current one begun up to a year before and earlier ones with the team's other workers."""
        if not first_month:
            return [Allocation(worker, self._day_in(month))]
        start = month - timedelta(days=int(self.rng.integers(0, 365)))
        history = [Allocation(worker, start)]
        for _ in range(self.rng.poisson(2.0 - 1.5 * team_quality(team, month))):
            other = team.workers[int(self.rng.integers(len(team.workers)))].worker_id
            begun = history[0].start - timedelta(days=int(self.rng.integers(30, 150)))
            history.insert(0, Allocation(other, begun, history[0].start - timedelta(days=1)))
        return history

    def _care_leavers(self, team: Team, month: date, q: float) -> list[dict[str, str]]:
        """The care leavers a children-in-care team supports at month end: in touch, suitably
        housed and in education, employment or training more often as the team improves."""
        if team.plan_mix[2] < 1:
            return []
        advisers = [self.council._id("PA", n) for n in range(1, ADVISERS_PER_TEAM + 1)]
        leavers = self.leavers.setdefault(team.name, [])
        joining = CARE_LEAVERS_PER_TEAM if not leavers else self.rng.poisson(1.0)
        leavers[:] = [c for c in leavers if self.rng.random() >= 1 / 36]  # turned 21
        for _ in range(joining):
            adviser = advisers[int(self.rng.integers(len(advisers)))]
            reviewed = month - timedelta(days=int(self.rng.integers(0, 240)))
            leaver = CareLeaver(self._child("L"), adviser, reviewed=reviewed)
            self._move_on(leaver, month, q, changes=1.0)
            leavers.append(leaver)
        end = month_end(month)
        out = []
        for c in leavers:
            self._move_on(c, month, q)
            out.append(
                {
                    "child_id": c.child_id,
                    "team": team.name,
                    "personal_advisor_id": c.adviser,
                    "as_at_date": end.isoformat(),
                    "in_touch": c.in_touch,
                    "accommodation_suitability": c.suitable,
                    "activity": c.activity,
                    "pathway_plan_review_date": _text(c.reviewed),
                }
            )
        return out

    def _move_on(self, leaver: CareLeaver, month: date, q: float, changes: float = 0.3) -> None:
        """A month in a care leaver's life: contact, housing and activity change now and then
        (each with chance ``changes``); a pathway plan four and a half months old or more is
        reviewed, more reliably as the team improves."""
        rng = self.rng
        if rng.random() < changes:
            leaver.in_touch = (
                "YES" if rng.random() < 0.72 + 0.23 * q else str(rng.choice(["NO", "REFU", "NREQ"]))
            )
        if rng.random() < changes:
            leaver.suitable = "SUITABLE" if rng.random() < 0.7 + 0.25 * q else "UNSUITABLE"
        if rng.random() < changes:
            leaver.activity = str(rng.choice(EET if rng.random() < 0.4 + 0.22 * q else NEET))
        due = leaver.reviewed is None or (month - leaver.reviewed).days > 135
        if due and rng.random() < 0.3 + 0.6 * q:
            leaver.reviewed = self._day_in(month)


_FRONT_DOORS: WeakKeyDictionary[Council, FrontDoor] = WeakKeyDictionary()


def front_door_rows(council: Council, month: date) -> dict[str, list[dict[str, str]]]:
    """This month's referrals, assessments, allocations and care leavers, as CSV rows.

    Call it once a month, after the council has allocated its children for the month.
    """
    if council not in _FRONT_DOORS:
        _FRONT_DOORS[council] = FrontDoor(council, council.rng.spawn(1)[0])
    return _FRONT_DOORS[council].step(month)
