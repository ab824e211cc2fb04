"""The demo council: synthetic monthly returns for Northmoor Borough Council (fictional).

Directors and testers need something realistic to look at before a council loads its own
returns, and the repository must never hold real children's data. So the demo is generated,
reproducibly from a seed, with the story an improvement notice tells: an inadequate
judgement in spring 2019, caseloads far above the caps, visits, conferences and supervision
well short of the escalation measures, a steady improvement, a dip in the winter of
2020–21, and one team (Safeguarding 2) that stays behind. It is written as the same CSV files
an analyst would drop in, so the demo store is loaded through the real, validated ETL path.
Beside the monthly returns each month has its visits-as-at list (the position at month end,
as Annex A lists 6–8 give it), and a few section 47 enquiries need no conference.

``scale`` > 1 writes several fictional councils into the same files, each team name prefixed
with a council code (``C017 Safeguarding 1``) — used by the performance benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from etl.returns import get_return
from etl.workdays import bank_holidays
from metrics.config import DEFAULT_CONFIG, load_config

COUNCIL_NAME = "Northmoor Borough Council"
#: The last month of the demo: the story runs April 2019 to March 2022.
DEMO_END = date(2022, 3, 1)
STORY_START = date(2019, 4, 1)

#: team -> (plan mix CIN/CP/CLA, performance offset, workers): Safeguarding 2 lags behind.
TEAMS: dict[str, tuple[tuple[float, float, float], float, int]] = {
    "Assessment North": ((0.85, 0.15, 0.0), 0.0, 9),
    "Assessment South": ((0.85, 0.15, 0.0), 0.05, 8),
    "Safeguarding 1": ((0.45, 0.55, 0.0), 0.05, 9),
    "Safeguarding 2": ((0.40, 0.60, 0.0), -0.3, 9),
    "Safeguarding 3": ((0.45, 0.55, 0.0), 0.0, 8),
    "Children in Care 1": ((0.0, 0.0, 1.0), 0.1, 8),
    "Children in Care 2": ((0.0, 0.0, 1.0), -0.05, 8),
    "Disabled Children": ((0.7, 0.1, 0.2), 0.05, 7),
    "Court and Proceedings": ((0.0, 0.5, 0.5), -0.1, 7),
    "Family Support": ((1.0, 0.0, 0.0), 0.1, 6),
}
PLAN_TYPES = ("CIN", "CP", "CLA")
#: role -> (share of a team's workers, caseload early in the story, caseload once improved).
ROLES = {
    "ASYE": (0.2, 21.0, 14.0),
    "QSW": (0.55, 28.0, 19.5),
    "SENIOR": (0.15, 19.0, 15.0),
    "MANAGER": (0.05, 5.0, 3.0),
    "OTHER": (0.05, 12.0, 10.0),
}
#: Statutory visits due per month for an open child, by plan (CP fortnightly, CLA six-weekly).
VISITS_PER_MONTH = {"CIN": 0.8, "CP": 2.0, "CLA": 0.7}
#: Strategy discussions leading to an ICPC per team per month, by whether the team takes CP work.
ICPC_PER_MONTH = {True: 4.0, False: 0.4}
#: The share of section 47 enquiries whose initial conference is deemed unnecessary.
ICPC_NOT_REQUIRED_SHARE = 0.08


def month_starts(months: int, end: date = DEMO_END) -> list[date]:
    """The first day of each of the ``months`` months up to and including ``end``."""
    out = []
    y, m = end.year, end.month
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def month_end(month: date) -> date:
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def progress(month: date) -> float:
    """How far the improvement has come by this month, 0 (spring 2019) to 1 (spring 2021 on).

    Winter 2020–21 (December to February) loses ground: staff sickness and lockdown.
    """
    elapsed = (month.year - STORY_START.year) * 12 + month.month - STORY_START.month
    base = min(max(elapsed / 24, 0.0), 1.0)
    eased = base * base * (3 - 2 * base)
    dip = 0.3 if date(2020, 12, 1) <= month <= date(2021, 2, 1) else 0.0
    return max(eased - dip, 0.0)


def team_quality(team: Team, month: date) -> float:
    """How well one team is doing this month, 0 to 1: the council's progress moved by the
    team's offset (less so as the council improves), so Safeguarding 2 lags behind."""
    return min(max(progress(month) + team.offset * (1 - progress(month) / 2), 0.0), 1.0)


@dataclass
class Worker:
    worker_id: str
    role: str
    fte: float
    agency: bool
    children: list[Child] = field(default_factory=list)


@dataclass
class Child:
    child_id: str
    plan_type: str
    last_supervision: date | None = None
    last_visit: date | None = None
    #: Y or N for the last visit of a child on a CP plan (Annex A's CP list carries it), or ""
    seen_alone: str = ""


@dataclass
class Team:
    name: str
    plan_mix: tuple[float, float, float]
    offset: float
    workers: list[Worker]


class Council:
    """One fictional council's workforce and open cases, stepped month by month."""

    def __init__(self, rng: np.random.Generator, prefix: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.next_worker = 0
        self.next_child = 0
        self.holidays = np.array(bank_holidays(), dtype="datetime64[D]")
        self.teams = [
            Team(f"{prefix}{name}", mix, offset, [self._new_worker(0.0) for _ in range(size)])
            for name, (mix, offset, size) in TEAMS.items()
        ]
        self.pending_icpc: dict[str, list[tuple[str, date, date]]] = {
            t.name: [] for t in self.teams
        }
        # The last visits (the visits-as-at list) and "conference not required" draw from a
        # stream of their own, so the other returns are the same rows they were before them.
        self.side_rng = rng.spawn(1)[0]
        # Northmoor's timescales as config/council.yaml ships them (not $CSC_CONFIG), so the
        # same seed always gives the same files.
        self.timescales = load_config(DEFAULT_CONFIG).visit_timescales
        self._working_days_before: dict[tuple[date, int], date] = {}

    def _id(self, kind: str, number: int) -> str:
        code = self.prefix.strip().replace(" ", "")
        return f"{kind}{code}{number:06d}"

    def _new_worker(self, q: float) -> Worker:
        self.next_worker += 1
        roles = list(ROLES)
        role = roles[self.rng.choice(len(roles), p=[ROLES[r][0] for r in roles])]
        fte = float(self.rng.choice([1.0, 1.0, 1.0, 0.8, 0.6, 0.5]))
        agency = bool(self.rng.random() < 0.28 - 0.16 * q)
        return Worker(self._id("W", self.next_worker), role, fte, agency)

    def _new_child(self, team: Team) -> Child:
        self.next_child += 1
        plan = PLAN_TYPES[self.rng.choice(3, p=team.plan_mix)]
        return Child(self._id("C", self.next_child), plan)

    def _add_working_days(self, start: date, days: int) -> date:
        day = np.busday_offset(np.datetime64(start), days, roll="forward", holidays=self.holidays)
        return day.astype(object)

    def _days_before(self, end: date, amount: int, unit: str) -> date:
        """The day ``amount`` calendar days, or working days (``unit``), before ``end``.

        Kept once worked out: each month asks the same few dozen questions for every child."""
        if unit == "days":
            return end - timedelta(days=amount)
        key = (end, amount)
        if key not in self._working_days_before:
            day = np.busday_offset(
                np.datetime64(end), -amount, roll="backward", holidays=self.holidays
            )
            self._working_days_before[key] = day.astype(object)
        return self._working_days_before[key]

    def step(self, month: date) -> dict[str, list[dict[str, str]]]:
        """Move the council on one month and return the rows of the returns it makes itself
        (the front door's and practice returns are made from it by ``demo.files.month_rows``)."""
        rows: dict[str, list[dict[str, str]]] = {n: [] for n in RETURN_COLUMNS}
        end = month_end(month)
        for team in self.teams:
            q = team_quality(team, month)
            self._turnover(team, q)
            self._allocate(team, q)
            for worker in team.workers:
                rows["caseloads"].append(self._caseload_row(team, worker))
                for child in worker.children:
                    rows["visits"].extend(self._visit_rows(team, worker, child, month, q))
                    rows["supervision"].append(self._supervision_row(team, worker, child, end, q))
                    self._visit_by_month_end(child, end, q)
            rows["icpc"].extend(self._icpc_rows(team, month, end, q))
        rows["visits_asat"] = visits_asat_rows(self, month)
        return rows

    def _turnover(self, team: Team, q: float) -> None:
        """Agency workers leave more often; leavers' children go back to the team's pool."""
        for index, worker in enumerate(team.workers):
            if self.rng.random() < (0.08 if worker.agency else 0.02):
                replacement = self._new_worker(q)
                replacement.children = worker.children
                team.workers[index] = replacement

    def _allocate(self, team: Team, q: float) -> None:
        """Give each worker this month's caseload: keep their children where possible."""
        pool: list[Child] = []
        wanted = {}
        for worker in team.workers:
            _, early, improved = ROLES[worker.role]
            mean = (early + (improved - early) * q) * worker.fte
            drawn = float(self.rng.normal(mean, 2.2 + mean * 0.06))
            wanted[worker.worker_id] = max(round(drawn), 0)
            closing = [c for c in worker.children if self.rng.random() < 0.07]
            worker.children = [c for c in worker.children if c not in closing]
            extra = len(worker.children) - wanted[worker.worker_id]
            if extra > 0:
                pool.extend(worker.children[-extra:])
                worker.children = worker.children[:-extra]
        for worker in team.workers:
            while len(worker.children) < wanted[worker.worker_id]:
                worker.children.append(pool.pop() if pool else self._new_child(team))

    @staticmethod
    def _caseload_row(team: Team, worker: Worker) -> dict[str, str]:
        return {
            "worker_id": worker.worker_id,
            "team": team.name,
            "role": worker.role,
            "fte": f"{worker.fte:g}",
            "agency": "Y" if worker.agency else "N",
            "caseload": str(len(worker.children)),
        }

    def _visit_rows(
        self, team: Team, worker: Worker, child: Child, month: date, q: float
    ) -> Iterator[dict[str, str]]:
        rate = VISITS_PER_MONTH[child.plan_type]
        due_count = int(rate) + (self.rng.random() < rate - int(rate))
        # Each visit due falls in its own part of the month, so no two rows repeat.
        part = month_end(month).day // max(due_count, 1)
        for visit in range(due_count):
            due = month + timedelta(days=visit * part + int(self.rng.integers(0, part)))
            roll = self.rng.random()
            in_time = 0.6 + 0.33 * q
            if roll < in_time:
                visited: date | None = due - timedelta(days=int(self.rng.integers(0, 6)))
            elif roll < in_time + (1 - in_time) * 0.6:
                visited = due + timedelta(days=int(self.rng.integers(1, 15)))
            else:
                visited = None
            seen = visited is not None and self.rng.random() < 0.9 + 0.08 * q
            alone = ""
            if seen:
                alone = "Y" if self.rng.random() < 0.5 + 0.3 * q else "N"
                alone = "" if self.rng.random() < 0.03 else alone
            yield {
                "child_id": child.child_id,
                "team": team.name,
                "worker_id": worker.worker_id,
                "plan_type": child.plan_type,
                "due_date": due.isoformat(),
                "visit_date": visited.isoformat() if visited else "",
                "seen": "Y" if seen else "N",
                "seen_alone": alone,
            }

    def _visit_by_month_end(self, child: Child, end: date, q: float) -> None:
        """Move a child's last statutory visit on to month end: a visit within the timescale
        for their plan (more often as the council improves), or none since the last one."""
        rng = self.side_rng
        if rng.random() >= 0.55 + 0.4 * q:
            return  # not visited since the last visit (a new case: never visited)
        timescale = self.timescales[child.plan_type]
        back = int(rng.integers(0, timescale.amount + 1))
        visited = self._days_before(end, back, timescale.unit)
        if child.last_visit is not None and visited <= child.last_visit:
            return
        child.last_visit = visited
        if child.plan_type == "CP":
            alone = "Y" if rng.random() < 0.5 + 0.3 * q else "N"
            child.seen_alone = "" if rng.random() < 0.03 else alone

    def _supervision_row(
        self, team: Team, worker: Worker, child: Child, end: date, q: float
    ) -> dict[str, str]:
        if self.rng.random() < 0.55 + 0.42 * q:
            child.last_supervision = end - timedelta(days=int(self.rng.integers(0, 30)))
        elif child.last_supervision is not None or self.rng.random() < 0.7:
            # Out of cycle: a new case stays never supervised 3 times in 10.
            child.last_supervision = end - timedelta(days=int(self.rng.integers(31, 80)))
        return {
            "child_id": child.child_id,
            "team": team.name,
            "worker_id": worker.worker_id,
            "plan_type": child.plan_type,
            "last_supervision_date": child.last_supervision.isoformat()
            if child.last_supervision
            else "",
        }

    def _icpc_rows(self, team: Team, month: date, end: date, q: float) -> list[dict[str, str]]:
        """Conferences held this month, strategy discussions still awaiting one, and this
        month's enquiries whose conference was deemed unnecessary (sent once, no ICPC date)."""
        takes_cp = team.plan_mix[1] > 0.3
        pending = self.pending_icpc[team.name]
        not_required = []
        for _ in range(self.rng.poisson(ICPC_PER_MONTH[takes_cp])):
            strategy = month + timedelta(days=int(self.rng.integers(0, end.day)))
            within = self.rng.random() < 0.5 + 0.4 * q
            days = int(self.rng.integers(5, 16) if within else self.rng.integers(16, 35))
            child = self._new_child(team).child_id
            if self.side_rng.random() < ICPC_NOT_REQUIRED_SHARE:
                not_required.append(_icpc_row(team, child, strategy, None, not_required=True))
            else:
                pending.append((child, strategy, self._add_working_days(strategy, days)))
        rows = []
        still = []
        for child, strategy, icpc in pending:
            held = icpc <= end
            rows.append(_icpc_row(team, child, strategy, icpc if held else None))
            if not held:
                still.append((child, strategy, icpc))
        self.pending_icpc[team.name] = still
        return rows + not_required


def _icpc_row(
    team: Team, child: str, strategy: date, icpc: date | None, not_required: bool = False
) -> dict[str, str]:
    return {
        "child_id": child,
        "team": team.name,
        "strategy_date": strategy.isoformat(),
        "icpc_date": icpc.isoformat() if icpc else "",
        "icpc_not_required": "Y" if not_required else "N",
    }


def visits_asat_rows(council: Council, month: date) -> list[dict[str, str]]:
    """The visits-as-at return at the month's last day: every child open to the council, with
    their last statutory visit (seen alone on the CP list only, as Annex A gives it).

    Call it after ``council.step(month)``. The cells are the CSV's text (ISO dates, blanks as
    ""), in ``RETURN_COLUMNS`` order, so the same rows can be written as a CSV return or as an
    Annex A workbook's lists 6-8.
    """
    as_at = month_end(month).isoformat()
    return [
        {
            "child_id": child.child_id,
            "team": team.name,
            "worker_id": worker.worker_id,
            "plan_type": child.plan_type,
            "as_at_date": as_at,
            "last_visit_date": child.last_visit.isoformat() if child.last_visit else "",
            "seen_alone": child.seen_alone,
            "end_date": "",
        }
        for team in council.teams
        for worker in team.workers
        for child in worker.children
    ]


RETURN_COLUMNS = {
    "caseloads": ["worker_id", "team", "role", "fte", "agency", "caseload"],
    "visits": [
        "child_id",
        "team",
        "worker_id",
        "plan_type",
        "due_date",
        "visit_date",
        "seen",
        "seen_alone",
    ],
    "icpc": ["child_id", "team", "strategy_date", "icpc_date", "icpc_not_required"],
    "supervision": ["child_id", "team", "worker_id", "plan_type", "last_supervision_date"],
    "visits_asat": [
        "child_id",
        "team",
        "worker_id",
        "plan_type",
        "as_at_date",
        "last_visit_date",
        "seen_alone",
        "end_date",
    ],
    # The front door, changes of social worker and care leavers (demo/front_door.py).
    **{
        name: get_return(name).column_names
        for name in ("referrals", "assessments", "allocations", "care_leavers")
    },
    # The quality-of-practice returns (demo/practice.py), with their declared columns.
    **{
        name: get_return(name).column_names
        for name in ("audits", "edt_contacts", "closures", "case_review", "asye_feedback")
    },
    # Children looked after: episodes, reviews, missing (demo/looked_after.py).
    **{
        name: get_return(name).column_names
        for name in ("looked_after", "cla_reviews", "missing_episodes")
    },
    # Child protection plans and their review conferences (demo/cp_plans.py).
    **{name: get_return(name).column_names for name in ("cp_plans", "cp_reviews")},
}
#: Months the demo simulates before the first month it writes, so caseloads have settled.
WARM_UP = 3
