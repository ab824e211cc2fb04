"""The demo council's months written as the files an analyst would drop in: one CSV per
return and month, exported as untidily as real ones, the last months as an Annex A workbook.

Apart from ``demo.council`` (the simulation) because it gathers every return the council makes,
including those made from its state by ``demo.front_door`` and ``demo.practice``, which import
``demo.council``: here each of them is imported once, and none imports this.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from demo.annex import write_annex_a
from demo.council import DEMO_END, RETURN_COLUMNS, WARM_UP, Council, month_end, month_starts
from demo.cp_plans import cp_plans_rows
from demo.front_door import front_door_rows
from demo.looked_after import looked_after_rows
from demo.practice import practice_rows
from etl.returns import get_return


def month_rows(council: Council, month: date) -> dict[str, list[dict[str, str]]]:
    """Move the council on one month and return every return's rows for that month: its own
    (``Council.step``), then the front door's, the practice returns', the children looked
    after and the child protection plans and reviews made from its state."""
    rows = council.step(month)
    rows.update(front_door_rows(council, month))
    rows.update(practice_rows(council, month))
    rows.update(looked_after_rows(council, month))
    rows.update(cp_plans_rows(council, month))
    return rows


#: Real exports are not tidy, and the demo should not be either: every third month is written
#: with UK dates (31/05/2021), and from January 2021 (a new case management system) the ICPC
#: return arrives with Ofsted Annex A headings. All of it must load the same.
ANNEX_A_FROM = date(2021, 1, 1)
ANNEX_A_ICPC = {
    "child_id": "Child Unique ID",
    "team": "Allocated Team",
    "strategy_date": "Strategy discussion initiating Section 47 Enquiry Start Date",
    "icpc_date": "Date of Initial Child Protection Conference",
    "icpc_not_required": "Was an Initial Child Protection Conference deemed unnecessary?",
}


def _exported(name: str, month: date, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows as that month's export writes them (UK dates and date-times every third month)."""
    if month.month % 3:
        return rows
    formats = {"date": "%d/%m/%Y", "datetime": "%d/%m/%Y %H:%M"}
    dates = {c.name: formats[c.type] for c in get_return(name).columns if c.type in formats}
    uk = [dict(row) for row in rows]
    for row in uk:
        for column in dates:
            if row[column]:
                row[column] = datetime.fromisoformat(row[column]).strftime(dates[column])
    return uk


def _headers(name: str, month: date, columns: list[str]) -> list[str]:
    if name == "icpc" and month >= ANNEX_A_FROM:
        return [ANNEX_A_ICPC[c] for c in columns]
    return columns


#: The last months the demo sends as an Ofsted Annex A workbook (lists 3, 4 and 5, and lists
#: 6–9 at the list date) instead of monthly files: the returns its lists covering a period give
#: (each case started in the period once, as last seen), and those giving the list date's
#: position.
ANNEX_A_MONTHS = 6
ANNEX_A_EVENTS = ("referrals", "assessments", "icpc")
ANNEX_A_SNAPSHOTS = ("visits_asat", "care_leavers")


def write_returns(
    folder: Path, months: int = 36, seed: int = 2021, scale: int = 1, end: date = DEMO_END
) -> list[Path]:
    """Write ``months`` months of every return as ``<return>_<YYYY-MM>.csv`` files.

    The same seed always gives the same files. With ``scale`` > 1 each file holds that many
    councils' rows (teams prefixed ``C001 ``, ``C002 ``…). A single council's story of a
    year or more ends with an Annex A workbook, as a council under inspection would send.
    """
    folder.mkdir(parents=True, exist_ok=True)
    councils = [
        Council(np.random.default_rng([seed, n]), f"C{n:03d} " if scale > 1 else "")
        for n in range(1, scale + 1)
    ]
    all_months = month_starts(months + WARM_UP, end)
    annex_from = all_months[-ANNEX_A_MONTHS] if scale == 1 and months >= 12 else None
    events: dict[str, dict[tuple[str, str], dict[str, str]]] = {n: {} for n in ANNEX_A_EVENTS}
    paths: list[Path] = []
    for index, month in enumerate(all_months):
        steps = [month_rows(council, month) for council in councils]
        if index < WARM_UP:
            continue
        in_annex = annex_from is not None and month >= annex_from
        for name, columns in RETURN_COLUMNS.items():
            if in_annex and (
                name in ANNEX_A_EVENTS or (name in ANNEX_A_SNAPSHOTS and month == end)
            ):
                continue  # given by the workbook
            path = folder / f"{name}_{month:%Y-%m}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(_headers(name, month, columns))
                for rows in steps:
                    for row in _exported(name, month, rows[name]):
                        writer.writerow([row[c] for c in columns])
            paths.append(path)
        for name, cases in events.items() if in_annex else ():
            started = get_return(name).annex_a.split.open_from
            for row in steps[0][name]:
                if date.fromisoformat(row[started]) >= annex_from:
                    cases[row["child_id"], row[started]] = row
    if annex_from is not None:
        snapshots = {
            n: pd.DataFrame(steps[0][n], columns=RETURN_COLUMNS[n]) for n in ANNEX_A_SNAPSHOTS
        }
        listed = {name: list(cases.values()) for name, cases in events.items()}
        paths.append(write_annex_a(folder, month_end(end), listed, snapshots))
    return paths
