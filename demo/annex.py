"""The demo council's Ofsted Annex A workbook, laid out as councils export it.

The fictional Northmoor sends its last six months of referrals, assessments and section 47
enquiries, and its children open and care leavers at the list date, as Annex A lists 3–9, so
the first start and the tests load a real workbook through the same door as a council's: a
title row above the headings, sheets named ``List_5``, date cells, option letters ("a) Yes"),
coded labels ("F1: Full time in higher education"), and the columns Ofsted asks for that the
dashboard must drop at the door — synthetic dates of birth, placement postcodes in the
fictional ZZ99 area, and made-up staff names that are pseudonymised as they are read.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from etl.returns import get_return

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
LIST3 = [
    *COMMON,
    "Date of Referral",
    "Referral Source",
    "Referral NFA?",
    "Number of Referrals in Last 12 Months",
    "Allocated Team",
    "Allocated Worker",
]
LIST4 = [
    *COMMON,
    "Does the Child have a Disability",
    "Continuous Assessment Start Date",
    "Child Seen During Continuous Assessment",
    "Continuous Assessment Date of Authorisation",
    "Allocated Team",
    "Allocated Worker",
]
LIST9 = [
    *COMMON,
    "Does the Child have a Disability",
    "Allocated Team",
    "Allocated Worker",
    "Allocated Personal Advisor",
    "Eligibility Category",
    "LA in Touch",
    "Latest Pathway Plan Review Date",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
]
#: Care leavers' codes as the Ofsted template writes them.
IN_TOUCH = {"YES": "a) Yes", "NO": "b) No", "DIED": "c) Died", "REFU": "d) Refu", "NREQ": "e) NREQ"}
SUITABLE = {"SUITABLE": "a) Suitable", "UNSUITABLE": "b) Unsuitable"}
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


def _activity_labels() -> dict[str, str]:
    """Each activity code as Annex A writes it ("F1: Full time in higher education"), from
    the care leavers return's declared code aliases."""
    aliases = get_return("care_leavers").column("activity").code_aliases
    return {code: label.capitalize() for label, code in aliases.items() if ":" in label}


def write_annex_a(
    folder: Path,
    as_at: date,
    events: dict[str, list[dict[str, str]]],
    snapshots: dict[str, pd.DataFrame],
) -> Path:
    """``Annex_A_<list date>.xlsx``: lists 3, 4 and 5 from the period's referrals, assessments
    and enquiries (``events``), lists 6–8 from the children open at the list date and List 9
    from the care leavers then (the visits-as-at and care leavers rows in ``snapshots``)."""
    from openpyxl import Workbook

    wb = Workbook()
    front = wb.active
    front.title = "Front_Sheet"
    front.append(["Annex A data for Ofsted", "Northmoor Borough Council (fictional)"])
    front.append(["Period ending", as_at])
    sheet = wb.create_sheet("List_3")
    sheet.append(["List 3: Contacts and referrals"])
    sheet.append(LIST3)
    for row in events["referrals"]:
        count = int(row["referrals_last_12_months"]) if row["referrals_last_12_months"] else None
        worker = staff_name(f"{row['team']}-{row['child_id'][-2:]}")
        referred = _day(row["referral_date"])
        sheet.append([*_person(row["child_id"], as_at), referred, "q) 6: Police", "b) No", count,
                      row["team"], worker])  # fmt: skip
    sheet = wb.create_sheet("List_4")
    sheet.append(["List 4: Assessments"])
    sheet.append(LIST4)
    for row in events["assessments"]:
        sheet.append(
            [
                *_person(row["child_id"], as_at),
                "b) No",
                _day(row["assessment_start_date"]),
                "a) Yes",
                _day(row["assessment_authorised_date"]),
                row["team"],
                staff_name(row["worker_id"]),
            ]
        )
    sheet = wb.create_sheet("List_5")
    sheet.append(["List 5: Section 47 enquiries and initial child protection conferences"])
    sheet.append(LIST5)
    for row in events["icpc"]:
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
    visits = snapshots["visits_asat"]
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
    sheet = wb.create_sheet("List_9")
    sheet.append(["List 9: Care leavers"])
    sheet.append(LIST9)
    activity = _activity_labels()
    for row in snapshots["care_leavers"].itertuples():
        sheet.append(
            [
                *_person(row.child_id, as_at),
                "b) No",
                row.team,
                staff_name(f"{row.team}-{row.child_id[-2:]}"),
                staff_name(row.personal_advisor_id),
                "b) Former relevant child",
                IN_TOUCH.get(row.in_touch, ""),
                _day(row.pathway_plan_review_date),
                "U: Independent living",
                SUITABLE.get(row.accommodation_suitability, ""),
                activity.get(row.activity, ""),
            ]
        )
    path = folder / f"Annex_A_{as_at.isoformat()}.xlsx"
    wb.save(path)
    return path
