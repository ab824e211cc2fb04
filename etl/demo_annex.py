"""The demo council's Ofsted Annex A workbook, laid out as councils export it.

The fictional Northmoor sends its last six months of section 47 enquiries, and its children
open at the list date, as Annex A lists 5–8, so the first start and the tests load a real
workbook through the same door as a council's: a title row above the headings, sheets named
``List_5``, date cells, option letters ("a) Yes"), and the columns Ofsted asks for that the
dashboard must drop at the door — synthetic dates of birth, placement postcodes in the
fictional ZZ99 area, and made-up staff names that are pseudonymised as they are read.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

#: Made-up staff names (first, last), for Annex A's "Allocated Worker" (names, not IDs).
FIRST = ("Ada", "Bram", "Cleo", "Dev", "Esme", "Fin", "Gwen", "Hal", "Isla", "Jem", "Kit", "Lyra")
LAST = ("Ashdown", "Brierley", "Carrow", "Dunmere", "Elstow", "Fairlie", "Garside", "Holloway")
COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LISTS = {
    "CIN": ("List_6", "List 6: Children in need", ["CIN Start Date", "Date Child Was Last Seen",
            "CIN Closure Date"]),
    "CP": ("List_7", "List 7: Children subject to a child protection plan",
           ["Child Protection Plan Start Date", "Date of the Last Statutory Visit",
            "Was the Child Seen Alone?", "Child Protection Plan End Date"]),
    "CLA": ("List_8", "List 8: Children looked after",
            ["Date Started to be Looked After", "Date of Last Social Work Visit",
             "Date Ceased to be Looked After ", "Placement postcode"]),
}  # fmt: skip
LIST5 = [
    *COMMON,
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary?",
    "Date of Initial Child Protection Conference",
    "Allocated Team",
    "Allocated Worker",
]


def _seed(text: str) -> int:
    return zlib.crc32(text.encode())


def staff_name(worker_id: str) -> str:
    """A made-up name for a demo worker, the same every time."""
    n = _seed(worker_id)
    return f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"


def _person(child_id: str, as_at: date) -> list:
    """Gender, ethnicity, a synthetic date of birth and age: what every Annex A list opens with."""
    n = _seed(child_id)
    born = as_at - timedelta(days=400 + n % 6000)
    gender = ("a) Male", "b) Female")[n % 2]
    return [child_id, gender, "a) WBRI", born, round((as_at - born).days / 365.25, 1)]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def write_annex_a(
    folder: Path, as_at: date, s47: list[dict[str, str]], visits: pd.DataFrame
) -> Path:
    """``Annex_A_<list date>.xlsx``: List 5 from the period's enquiries, lists 6–8 from the
    children open at the list date (the visits-as-at rows)."""
    from openpyxl import Workbook

    wb = Workbook()
    front = wb.active
    front.title = "Front_Sheet"
    front.append(["Annex A data for Ofsted", "Northmoor Borough Council (fictional)"])
    front.append(["Period ending", as_at])
    sheet = wb.create_sheet("List_5")
    sheet.append(["List 5: Section 47 enquiries and initial child protection conferences"])
    sheet.append(LIST5)
    for row in s47:
        not_required = row["icpc_not_required"] == "Y"
        worker = f"{row['team']}-{row['child_id'][-2:]}"
        sheet.append(
            [
                *_person(row["child_id"], as_at),
                _day(row["strategy_date"]),
                "a) Yes" if not_required else "b) No",
                _day(row["icpc_date"]),
                row["team"],
                staff_name(worker),
            ]
        )
    for plan_type, (name, title, columns) in LISTS.items():
        sheet = wb.create_sheet(name)
        sheet.append([title])
        sheet.append([*COMMON, *columns, "Allocated Team", "Allocated Worker"])
        for row in visits[visits["plan_type"] == plan_type].itertuples():
            start = as_at - timedelta(days=60 + _seed(row.child_id) % 700)
            cells = [start, _day(row.last_visit_date)]
            if plan_type == "CP":
                cells.append({"Y": "a) Yes", "N": "b) No"}.get(row.seen_alone, ""))
            cells.append(None)  # open at the list date: no end date
            if plan_type == "CLA":
                cells.append(f"ZZ99 {_seed(row.child_id) % 9}XX")  # fictional postcode area
            sheet.append(
                [*_person(row.child_id, as_at), *cells, row.team, staff_name(row.worker_id)]
            )
    path = folder / f"Annex_A_{as_at.isoformat()}.xlsx"
    wb.save(path)
    return path
