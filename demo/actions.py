"""The demo council's commentary and actions (the ``actions`` return) for its last months.

Written as a service manager would write them about Northmoor's reds: what the figure says,
what is being done, who owns it (a role) and by when. Some actions are written once and carry
forward (open for months, one past its due date), one is marked done a month later, and one
measure has commentary and no action, so every way the dashboard shows them has an example.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from demo.council import DEMO_END, month_starts
from etl.returns import get_return

_COLUMNS = get_return("actions").column_names

#: Rows by months before the last (0 = the last month): kpi, team, commentary, action, owner,
#: due date, status.
ENTRIES: dict[int, list[tuple[str, str, str, str, str, date | None, str]]] = {
    2: [
        (
            "supervision_in_cycle_pct", "",
            "Supervision in cycle fell over Christmas: eleven workers were on leave in the "
            "last fortnight and cover was arranged team by team.",
            "A duty rota for supervision over every holiday period, agreed across teams.",
            "Service Manager, Safeguarding", date(2022, 2, 28), "OPEN",
        ),
        (
            "supervision_never", "",
            "Three children allocated in December had no first supervision by month end.",
            "Team managers book a first supervision within 10 working days of allocation.",
            "Head of Safeguarding", date(2022, 2, 15), "OPEN",
        ),
        (
            "caseload_workers_over_cap", "",
            "Two vacant posts in Safeguarding 2 leave its workers above the cap.",
            "Recruit agency cover for the two vacant Safeguarding 2 posts.",
            "Head of Service, Children's Social Work", date(2022, 2, 28), "OPEN",
        ),
        (
            "edt_handed_over_in_time_pct", "",
            "Two weekend contacts reached day teams after 10:00 on Monday.",
            "The EDT handover log is checked by 09:30 every working day.",
            "Emergency Duty Team Manager", date(2022, 3, 31), "OPEN",
        ),
    ],
    1: [
        (
            "supervision_never", "",
            "All three children now have had a first supervision; the booking rule is in the "
            "allocation checklist.",
            "Team managers book a first supervision within 10 working days of allocation.",
            "Head of Safeguarding", date(2022, 2, 15), "DONE",
        ),
        (
            "audit_actions_overdue", "",
            "Audit actions are being missed where the worker has moved team.",
            "A weekly tracker of open audit actions at the practice meeting.",
            "Principal Social Worker", date(2022, 4, 30), "OPEN",
        ),
        (
            "rereferrals_12m_pct", "",
            "A one-month rise: four sibling groups were re-referred together. Watching; no "
            "action beyond the monthly front door review.",
            "", "", None, "",
        ),
    ],
    0: [
        (
            "icpc_within_15wd_pct", "Safeguarding 2",
            "Two of the team's conferences were late in March: one waited for a chair and "
            "one for a police report.",
            "Book a second conference chair for April and May; agree report times with the "
            "police.",
            "Head of Safeguarding", date(2022, 4, 30), "OPEN",
        ),
        (
            "caseload_workers_over_cap", "",
            "Still one worker over the cap; the agency worker for Safeguarding 2 starts in "
            "April.",
            "Recruit agency cover for the two vacant Safeguarding 2 posts.",
            "Head of Service, Children's Social Work", date(2022, 2, 28), "OPEN",
        ),
        (
            "visits_asat_in_timescale_pct", "",
            "63 children were not visited within timescale at the list date, most in the two "
            "children in care teams.",
            "Team managers review every child out of timescale each week until the list is "
            "clear.",
            "Service Manager, Children in Care", date(2022, 4, 30), "OPEN",
        ),
        (
            "visits_asat_seen_alone_pct", "Assessment South",
            "Fewer children seen alone at their last visit after two workers left the team.",
            "Seeing the child alone is checked in every supervision for this team.",
            "Team Manager, Assessment South", date(2022, 4, 15), "OPEN",
        ),
        (
            "audits_good_or_better_pct", "Court and Proceedings",
            "Fewer audits graded good: the team's plans for children in proceedings are the "
            "weakest in the March sample.",
            "A practice workshop on outcome-focused plans for Court and Proceedings.",
            "Principal Social Worker", date(2022, 5, 31), "OPEN",
        ),
        (
            "audit_actions_overdue", "",
            "One action is 9 days past due; the tracker is in place.",
            "A weekly tracker of open audit actions at the practice meeting.",
            "Principal Social Worker", date(2022, 4, 30), "OPEN",
        ),
    ],
}  # fmt: skip


def write_actions(folder: Path, months: int = 36, end: date = DEMO_END) -> list[Path]:
    """Write ``actions_<YYYY-MM>.csv`` for each of the last months the demo covers."""
    paths = []
    for back, month in enumerate(reversed(month_starts(min(months, len(ENTRIES)), end))):
        path = folder / f"actions_{month:%Y-%m}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(_COLUMNS)
            for kpi, team, commentary, action, owner, due, status in ENTRIES[back]:
                when = f"{due:%d/%m/%Y}" if due else ""
                writer.writerow([kpi, team, commentary, action, owner, when, status])
        paths.append(path)
    return sorted(paths)
