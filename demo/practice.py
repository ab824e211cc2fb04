"""The demo council's quality-of-practice returns: case-file audits, out-of-hours (EDT)
contacts, closures and step-downs, the urgent case review and ASYE programme feedback.

Kept apart from ``demo.council`` so that module stays about the workforce and open cases. Each
return is made from the council's state that month (its teams, workers and children) with a
random stream of its own, so adding them changed no row of the other returns. They tell the
same story: poor in spring 2019, better month by month, a dip in the winter of 2020–21, and
Safeguarding 2 behind (through ``team_quality``).

``demo.files.month_rows`` calls this module after ``Council.step``; it imports
``demo.council``, never the reverse.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from demo.council import Child, Council, Team, month_end, team_quality
from metrics.config import DEFAULT_CONFIG, load_config

#: Case-file audits and closures per team per month (Poisson means).
AUDITS_PER_TEAM = 4.0
CLOSURES_PER_TEAM = 6.0
#: Out-of-hours contacts per council per month, and the share about no known child (these go
#: to an assessment team, the front door).
EDT_CONTACTS = 90.0
EDT_NO_CHILD = 0.3
FRONT_DOOR = ("Assessment North", "Assessment South")
#: The urgent case review began after the spring 2019 inspection, over every child on a child
#: protection plan. A team reviews its cases over ``REVIEW_DAYS`` days, longer for a team
#: behind (its offset): most finish by the board's target date, Safeguarding 2 months later.
REVIEW_START = date(2019, 4, 15)
REVIEW_DAYS = 150
REVIEW_DAYS_PER_OFFSET = 400


@dataclass
class _Audit:
    """An audit and the dates its corrective actions were due and done (known in advance)."""

    row: dict[str, str]
    due: date | None
    done: date | None


@dataclass
class _Review:
    """A case in the urgent review's scope, with the day it is (or will be) reviewed."""

    child_id: str
    team: str
    reviewed: date
    outcome: str


@dataclass
class _Practice:
    """What the practice returns carry from month to month for one council."""

    rng: np.random.Generator
    audits: list[_Audit] = field(default_factory=list)
    review: list[_Review] | None = None
    next_audit: int = 0
    next_contact: int = 0


#: Each council's practice state, beside it rather than on it, so ``demo.council`` needs only the
#: one call to ``practice_rows``.
_STATE: weakref.WeakKeyDictionary[Council, _Practice] = weakref.WeakKeyDictionary()


def practice_rows(council: Council, month: date) -> dict[str, list[dict[str, str]]]:
    """This month's rows of every practice return (cells as CSV text, ISO dates)."""
    state = _STATE.get(council)
    if state is None:  # a stream of its own, spawned from the council's seed
        state = _STATE[council] = _Practice(council.rng.spawn(1)[0])
    return {
        "audits": _audit_rows(council, state, month),
        "edt_contacts": _edt_rows(council, state, month),
        "closures": _closure_rows(council, state, month),
        "case_review": _review_rows(council, state, month),
        "asye_feedback": _asye_rows(council, state, month),
    }


def _cases(team: Team) -> list[tuple[str, Child]]:
    """The team's open children, each with their worker's ID."""
    return [(worker.worker_id, child) for worker in team.workers for child in worker.children]


def _day_in(rng: np.random.Generator, month: date) -> date:
    return month + timedelta(days=int(rng.integers(0, month_end(month).day)))


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _audit_rows(council: Council, state: _Practice, month: date) -> list[dict[str, str]]:
    """Audits completed this month, and earlier ones whose actions were open at its start.

    Grades and the share of actions done on time rise with the team's quality; an action
    done late is done 1 to 40 days after its due date.
    """
    rng, end = state.rng, month_end(month)
    state.audits = [a for a in state.audits if a.done is not None and a.done >= month]
    for team in council.teams:
        q, cases = team_quality(team, month), _cases(team)
        count = min(int(rng.poisson(AUDITS_PER_TEAM)), len(cases))
        for index in rng.choice(len(cases), size=count, replace=False):
            worker_id, child = cases[int(index)]
            audited = _day_in(rng, month)
            roll = rng.random()
            good = 0.2 + 0.6 * q
            if roll < good:
                grade = "OUTSTANDING" if rng.random() < 0.1 else "GOOD"
            else:
                grade = "INADEQUATE" if roll > 1 - (0.3 - 0.25 * q) else "RI"
            due = done = None
            if grade in ("RI", "INADEQUATE") or (grade == "GOOD" and rng.random() < 0.3):
                due = audited + timedelta(days=int(rng.integers(21, 43)))
                if rng.random() < 0.45 + 0.5 * q:
                    done = max(due - timedelta(days=int(rng.integers(0, 11))), audited)
                else:
                    done = due + timedelta(days=int(rng.integers(1, 41)))
            state.next_audit += 1
            row = {
                "audit_id": council._id("A", state.next_audit),
                "child_id": child.child_id,
                "team": team.name,
                "worker_id": worker_id,
                "audit_date": audited.isoformat(),
                "grade": grade,
                "actions_due_date": _iso(due),
            }
            state.audits.append(_Audit(row, due, done))
    return [
        {**a.row, "actions_completed_date": _iso(a.done if a.done and a.done <= end else None)}
        for a in state.audits
    ]


def handover_due(received: datetime, hour: int, holidays: np.ndarray) -> datetime:
    """When an out-of-hours contact is due with day services: ``hour`` o'clock on the first
    working day whose ``hour`` comes after it was received, as the KPI's SQL counts it."""
    after = (received - timedelta(hours=hour)).date() + timedelta(days=1)
    day = np.busday_offset(np.datetime64(after), 0, roll="forward", holidays=holidays)
    return datetime.combine(day.astype(object), time(hour))


def _edt_rows(council: Council, state: _Practice, month: date) -> list[dict[str, str]]:
    """Out-of-hours contacts: evenings and nights on working days, any time on other days.

    Each is due with day services by the deadline hour on the next working day (the rule
    the KPI counts in SQL); the receiving team's quality decides how often it is met.
    """
    rng = state.rng
    hour = load_config(DEFAULT_CONFIG).edt_handover_deadline_hour
    by_name = {team.name: team for team in council.teams}
    front_door = [by_name[f"{council.prefix}{name}"] for name in FRONT_DOOR]
    rows = []
    for _ in range(int(rng.poisson(EDT_CONTACTS))):
        day = _day_in(rng, month)
        working = bool(np.is_busday(day, holidays=council.holidays))
        if working and rng.random() < 0.5:
            minute = int(rng.integers(0, 8 * 60 + 30))  # 00:00 to 08:29
        elif working:
            minute = int(rng.integers(17 * 60, 24 * 60))  # 17:00 to 23:59
        else:
            minute = int(rng.integers(0, 24 * 60))
        received = datetime.combine(day, time()) + timedelta(minutes=minute)
        if rng.random() < EDT_NO_CHILD:
            team, child_id = front_door[int(rng.integers(0, len(front_door)))], ""
        else:
            team = council.teams[int(rng.integers(0, len(council.teams)))]
            cases = _cases(team)
            child_id = cases[int(rng.integers(0, len(cases)))][1].child_id if cases else ""
        due = handover_due(received, hour, council.holidays)
        q = team_quality(team, month)
        if rng.random() < 0.04 * (1 - q) + 0.002:
            handed: datetime | None = None
        elif rng.random() < 0.55 + 0.42 * q:
            early = timedelta(minutes=int(rng.integers(5, 181)))
            handed = max(due - early, received + timedelta(minutes=10))
        else:
            handed = due + timedelta(minutes=int(rng.integers(1, 48 * 60)))
        state.next_contact += 1
        rows.append(
            {
                "contact_id": council._id("E", state.next_contact),
                "child_id": child_id,
                "team": team.name,
                "received_at": received.isoformat(sep=" ", timespec="minutes"),
                "handed_over_at": handed.isoformat(sep=" ", timespec="minutes") if handed else "",
                "outcome": str(
                    rng.choice(
                        ["ADVICE", "REFERRAL", "STRATEGY", "ACCOMMODATED", "NFA"],
                        p=[0.35, 0.3, 0.1, 0.05, 0.2],
                    )
                ),
            }
        )
    return rows


def _closure_rows(council: Council, state: _Practice, month: date) -> list[dict[str, str]]:
    """Cases closed or stepped down this month; a manager's decision recorded on or before
    the closure date more often as the team improves, else afterwards or not at all."""
    rng, rows = state.rng, []
    for team in council.teams:
        q, cases = team_quality(team, month), _cases(team)
        count = min(int(rng.poisson(CLOSURES_PER_TEAM)), len(cases))
        for index in rng.choice(len(cases), size=count, replace=False):
            worker_id, child = cases[int(index)]
            closed = _day_in(rng, month)
            step_down = child.plan_type == "CIN" and rng.random() < 0.4
            if rng.random() < 0.5 + 0.47 * q:
                decided: date | None = closed - timedelta(days=int(rng.integers(0, 8)))
            elif rng.random() < 0.6:
                decided = closed + timedelta(days=int(rng.integers(1, 21)))
            else:
                decided = None
            rows.append(
                {
                    "child_id": child.child_id,
                    "team": team.name,
                    "worker_id": worker_id,
                    "closure_date": closed.isoformat(),
                    "closure_type": "STEP_DOWN" if step_down else "CLOSED",
                    "manager_decision_date": _iso(decided),
                }
            )
    return rows


def _review_rows(council: Council, state: _Practice, month: date) -> list[dict[str, str]]:
    """The urgent review's scope (the children on a child protection plan when the demo
    starts) with each case's review once its date has passed by month end."""
    rng = state.rng
    if state.review is None:
        state.review = []
        for team in council.teams:
            span = max(REVIEW_DAYS - REVIEW_DAYS_PER_OFFSET * team.offset, 30)
            for _, child in _cases(team):
                if child.plan_type != "CP":
                    continue
                reviewed = REVIEW_START + timedelta(days=int(rng.integers(0, span)))
                escalate = 0.12 - 0.2 * team.offset
                outcome = rng.choice(
                    ["ESCALATED", "ACTIONS", "NFA"], p=[escalate, 0.3, 0.7 - escalate]
                )
                state.review.append(_Review(child.child_id, team.name, reviewed, str(outcome)))
    end = month_end(month)
    return [
        {
            "child_id": case.child_id,
            "team": case.team,
            "reviewed_date": _iso(case.reviewed) if case.reviewed <= end else "",
            "outcome": case.outcome if case.reviewed <= end else "",
        }
        for case in state.review
    ]


def _asye_rows(council: Council, state: _Practice, month: date) -> list[dict[str, str]]:
    """The month's survey of ASYE social workers: more answer, and rate the programme
    better, as the council improves. At least one answers, so the return is never empty."""
    rng, rows = state.rng, []
    asyes = [(team, w) for team in council.teams for w in team.workers if w.role == "ASYE"]
    for n, (team, worker) in enumerate(asyes):
        q = team_quality(team, month)
        if n and rng.random() >= 0.45 + 0.45 * q:
            continue
        rows.append(
            {
                "worker_id": worker.worker_id,
                "team": team.name,
                "response_date": _day_in(rng, month).isoformat(),
                "programme_rating": _rating(rng, 0.3 + 0.6 * q),
                "caseload_rating": _rating(rng, 0.25 + 0.65 * q),
                "supervision_rating": _rating(rng, 0.35 + 0.55 * q),
                "learning_rating": _rating(rng, 0.3 + 0.6 * q),
            }
        )
    return rows


def _rating(rng: np.random.Generator, good: float) -> str:
    """A rating of 4 or 5 with chance ``good``, else 1 to 3; now and then left blank."""
    if rng.random() < 0.03:
        return ""
    return str(int(rng.integers(4, 6) if rng.random() < good else rng.integers(1, 4)))
