"""The demo council's children looked after: episodes of care, reviews and missing episodes.

Every child on a CLA plan at month end has a period of care and a placement history: now and
then a change of placement (P) or of legal status only (L), more often in a struggling team.
Reviews fall due as the regulations say (20 working days after the child became looked
after, then 3 months, then every 6) and are held on time more often as the team improves; a
few children go missing from placement. Written as the looked_after, cla_reviews and
missing_episodes returns, the same rows a council's SSDA903 tables give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from demo.council import Council, month_end, team_quality

PLACEMENTS = ("U1", "U4", "U3", "K2", "R1")


@dataclass
class InCare:
    """One child's period of care: its episodes (start, reason, legal status, placement) and
    its reviews, oldest first."""

    start: date
    episodes: list[tuple[date, str, str, str]] = field(default_factory=list)
    reviews: list[date] = field(default_factory=list)
    next_review: date | None = None


@dataclass
class LookedAfter:
    council: Council
    rng: np.random.Generator
    children: dict[str, InCare] = field(default_factory=dict)
    started: bool = False  # past the demo's first month

    def _day_in(self, month: date) -> date:
        return month + timedelta(days=int(self.rng.integers(0, month_end(month).day)))

    def _due(self, care: InCare) -> date:
        if not care.reviews:
            return self.council._add_working_days(care.start, 20)
        return care.reviews[-1] + relativedelta(months=3 if len(care.reviews) == 1 else 6)

    def step(self, month: date) -> dict[str, list[dict[str, str]]]:
        end = month_end(month)
        window = month - relativedelta(months=11)
        rows: dict[str, list[dict[str, str]]] = {
            "looked_after": [], "cla_reviews": [], "missing_episodes": [],
        }  # fmt: skip
        seen = set()
        for team in self.council.teams:
            q = team_quality(team, month)
            for worker in team.workers:
                for child in worker.children:
                    if child.plan_type != "CLA":
                        continue
                    seen.add(child.child_id)
                    care = self.children.get(child.child_id) or self._new(month)
                    self.children[child.child_id] = care
                    self._move(care, month, q)
                    rows["cla_reviews"] += self._reviews(child.child_id, team.name, care, month, q)
                    rows["missing_episodes"] += self._missing(child.child_id, team.name, month, q)
                    rows["looked_after"] += _episode_rows(
                        child.child_id, team.name, care, window, end
                    )
        for gone in set(self.children) - seen:  # left care (or the plan changed)
            del self.children[gone]
        self.started = True
        return rows

    def _new(self, month: date) -> InCare:
        """A child who came into care this month; in the demo's first month, one already in
        care (up to 400 days before), whose reviews before then are held but not sent, as
        a council's reviews before its first loaded month are not in its store either.
        Drawn alike in every month so the other figures are the same as before."""
        back = timedelta(days=int(self.rng.integers(0, 400)))
        start = self._day_in(month) - (back if not self.started else timedelta(0))
        care = InCare(start, [(start, "S", "V2", PLACEMENTS[0])])
        care.next_review = self._due(care)
        return care

    def _move(self, care: InCare, month: date, q: float) -> None:
        """Now and then a new placement (P) or a change of legal status only (L)."""
        draw = self.rng.random()
        day = self._day_in(month)
        if day <= care.episodes[-1][0]:
            return
        _, _, status, place = care.episodes[-1]
        if draw < 0.05 * (1.5 - q):
            others = [p for p in PLACEMENTS if p != place]
            care.episodes.append((day, "P", status, others[int(self.rng.integers(len(others)))]))
        elif draw > 0.98 and status == "V2":
            care.episodes.append((day, "L", "C2", place))

    def _reviews(
        self, child_id: str, team: str, care: InCare, month: date, q: float
    ) -> list[dict[str, str]]:
        """The review due this month (or earlier and not yet held), held on time or late."""
        out = []
        end = month_end(month)
        while care.next_review is not None and care.next_review <= end:
            late = self.rng.random() > 0.7 + 0.25 * q
            held = care.next_review + timedelta(days=int(self.rng.integers(1, 15)) if late else 0)
            if held > end or held <= (care.reviews[-1] if care.reviews else care.start):
                break  # held next month (or not yet)
            if held >= month:
                out.append(
                    {
                        "child_id": child_id,
                        "team": team,
                        "period_start": care.start.isoformat(),
                        "review_date": held.isoformat(),
                        "previous_review_date": care.reviews[-1].isoformat()
                        if care.reviews
                        else "",
                        "review_number": str(len(care.reviews) + 1),
                        "participation": "PN1",
                    }
                )
            care.reviews.append(held)
            care.next_review = self._due(care)
        return out

    def _missing(self, child_id: str, team: str, month: date, q: float) -> list[dict[str, str]]:
        days = sorted({self._day_in(month) for _ in range(self.rng.poisson(0.06 * (1.5 - q)))})
        out = []
        for day in days:
            back = day + timedelta(days=int(self.rng.integers(0, 3)))
            out.append(
                {
                    "child_id": child_id,
                    "team": team,
                    "missing_type": "M" if self.rng.random() < 0.7 else "A",
                    "missing_from": day.isoformat(),
                    "missing_to": back.isoformat() if back <= month_end(month) else "",
                }
            )
        return out


def _episode_rows(
    child_id: str, team: str, care: InCare, window: date, end: date
) -> list[dict[str, str]]:
    """The child's episodes current in the 12 months to ``end`` (each ends as the next begins)."""
    out = []
    for i, (start, reason, status, place) in enumerate(care.episodes):
        stop = care.episodes[i + 1][0] if i + 1 < len(care.episodes) else None
        if stop is not None and stop < window:
            continue
        out.append(
            {
                "child_id": child_id,
                "team": team,
                "episode_start": start.isoformat(),
                "episode_end": stop.isoformat() if stop else "",
                "reason_new_episode": reason,
                "legal_status": status,
                "placement_type": place,
            }
        )
    return out


_STATES: dict[Council, LookedAfter] = {}


def looked_after_rows(council: Council, month: date) -> dict[str, list[dict[str, str]]]:
    """This month's looked_after, cla_reviews and missing_episodes rows for ``council``."""
    if council not in _STATES:
        _STATES[council] = LookedAfter(council, council.rng.spawn(1)[0])
    return _STATES[council].step(month)
