"""The Standard Safeguarding Dataset (SSD) source: each mapping worked by hand.

Small extracts are written here table by table (synthetic IDs only); the mappings are run
on them directly (``etl.sources.ssd.fill``), and through the loader into a store where the
figure is the dashboard's. Dates are chosen around bank holidays: Easter 2021 (Good Friday
2 April, Easter Monday 5 April) and Christmas 2021 (27 and 28 December and 3 January 2022
are the substitute bank holidays).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from etl.sources.ssd.check import _extract_date
from etl.sources.ssd.fill import (
    FILLS,
    NO_TEAM,
    Extract,
    Settings,
    caseloads,
    icpc,
    referrals,
    visits,
)
from etl.sources.ssd.tables import declaration, read_table, recognise
from etl.workdays import working_days_between
from etl.write.load import load_paths
from metrics import api
from ui.upload import upload_sets

SETTINGS = Settings(
    visit_timescales={"CP": (10, "working_days"), "CIN": (20, "working_days"), "CLA": (42, "days")},
    job_titles={"ASYE SOCIAL WORKER": "ASYE"},
)
JAN, FEB = date(2021, 1, 1), date(2021, 2, 1)


def csv_text(rows: list[dict[str, str]]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def extract(tables: dict[str, list[dict[str, str]]], months: list[date]) -> Extract:
    """An extract of the given tables (each read as the loader reads its CSV)."""
    reads = {}
    for name, rows in tables.items():
        table = declaration().tables[name]
        reads[name] = read_table(f"{name}.csv", csv_text(rows), table)
    return Extract(reads, months, SETTINGS)


def write_extract(folder: Path, tables: dict[str, list[dict[str, str]]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        path.write_bytes(csv_text(rows))
        paths.append(path)
    return paths


def invo(child: str, worker: str, start: str, end: str = "", role: str = "CW") -> dict:
    return {
        "invo_involvements_id": f"{child}{worker}{start}",
        "invo_person_id": child,
        "invo_referral_id": "",
        "invo_professional_id": worker,
        "invo_professional_role_id": role,
        "invo_professional_team": "T1",
        "invo_involvement_start_date": start,
        "invo_involvement_end_date": end,
    }


def prof(worker: str, title: str, fte: str = "1.00") -> dict:
    return {
        "prof_professional_id": worker,
        "prof_professional_name": "Avery Ashcombe",
        "prof_social_worker_registration_no": "SW900001",
        "prof_professional_job_title": title,
        "prof_full_time_equivalency": fte,
        "prof_professional_department": "T1",
    }


DEPARTMENT = [{"dept_team_id": "T1", "dept_team_name": "Safeguarding East"}]

# Worker W1: child A until 31 January (the month's last day), child B until 27 February
# (the day before February's end), child C from 28 February (its end); D is a team
# manager's involvement (role TM: no case); E the older builds' role text.
CASELOAD_TABLES = {
    "ssd_involvements": [
        invo("A", "W1", "2021-01-04", "2021-01-31"),
        invo("B", "W1", "2021-01-10", "2021-02-27"),
        invo("C", "W1", "2021-02-28"),
        invo("D", "W1", "2021-01-05", role="TM"),
        invo("E", "W2", "2021-01-06 00:00:00.000", role="Allocated Case Worker"),
    ],
    "ssd_professionals": [
        prof("W1", "Social Worker", "0.50"),
        prof("W2", "ASYE Social Worker", ""),
    ],
    "ssd_department": DEPARTMENT,
}


def test_caseload_on_the_day_an_allocation_ends_and_the_day_after() -> None:
    rows = caseloads(extract(CASELOAD_TABLES, [JAN, FEB]))
    jan = rows[JAN].set_index("worker_id")
    feb = rows[FEB].set_index("worker_id")
    # The pseudonyms say nothing of the IDs: W1 is the one with the half-time post.
    w1 = jan.index[jan["fte"] == "0.5"][0]
    w2 = jan.index[jan["fte"] != "0.5"][0]
    # 31 January: A (ends that day: still held) + B = 2; D is not a case-holding role.
    # 28 February: B ended on the 27th (the day before), C began that day = 1.
    assert jan.loc[w1, "caseload"] == "2" and feb.loc[w1, "caseload"] == "1"
    # "Allocated Case Worker" (the pre-1.4.5 text) holds a case as CW does.
    assert jan.loc[w2, "caseload"] == "1"
    # Roles: "Social Worker" is the return's own QSW; the council maps ASYE Social Worker.
    assert (jan.loc[w1, "role"], jan.loc[w2, "role"]) == ("QSW", "ASYE")
    # FTE as recorded; a blank one is counted as full time (said in the report's notes).
    assert (jan.loc[w1, "fte"], jan.loc[w2, "fte"]) == ("0.5", "1")
    assert jan.loc[w1, "team"] == "Safeguarding East"
    assert set(jan["agency"]) == {""}  # not known: the SSD's flag is empty in version 1
    assert all(w.startswith("P-") for w in jan.index)  # worker IDs pseudonymised


def cp_visit(child: str, day: str, seen: str = "Y", alone: str = "Y", plan: str = "") -> dict:
    return {
        "cppv_cp_visit_id": f"{child}{day}",
        "cppv_person_id": child,
        "cppv_cp_plan_id": plan or f"PLAN-{child}",
        "cppv_cp_visit_date": day,
        "cppv_cp_visit_seen": seen,
        "cppv_cp_visit_seen_alone": alone,
    }


def test_a_visit_just_inside_and_just_outside_its_timescale() -> None:
    # CP visits are due within 10 working days. From Thursday 1 April 2021 the working days
    # are 6, 7, 8, 9, 12, 13, 14, 15, 16 and 19 April (Good Friday 2 April and Easter Monday
    # 5 April are bank holidays): due Monday 19 April.
    assert working_days_between(date(2021, 4, 1), date(2021, 4, 19)) == 10
    tables = {
        "ssd_cp_visits": [
            cp_visit("A", "2021-04-01"),
            cp_visit("A", "2021-04-19"),  # on the due day: in time
            cp_visit("B", "2021-04-01"),
            cp_visit("B", "2021-04-20", seen="N", alone="Y"),  # a day late, not seen
            # C and D were visited once; C's plan is still open on 19 April, when the next
            # visit was due: a visit not made. D's plan ended on 10 April: none was owed.
            cp_visit("C", "2021-04-01"),
            cp_visit("D", "2021-04-01"),
        ],
        "ssd_cp_plans": [
            {
                "cppl_cp_plan_id": f"PLAN-{child}",
                "cppl_person_id": child,
                "cppl_cp_plan_start_date": "2021-03-01",
                "cppl_cp_plan_end_date": end,
            }
            for child, end in (("C", ""), ("D", "2021-04-10"))
        ],
    }
    rows = visits(extract(tables, [date(2021, 4, 1)]))[date(2021, 4, 1)]
    rows = rows.set_index("child_id")
    # Each child's first visit has none before it to be due from: only the second is a row.
    # A's and B's next visits are due in May (3 May 2021 is a bank holiday): no row here.
    assert sorted(rows.index) == ["A", "B", "C"]
    assert set(rows["due_date"]) == {"2021-04-19"}
    assert (rows.loc["C", "visit_date"], rows.loc["C", "seen"]) == ("", "N")
    assert rows.loc["A", "visit_date"] <= rows.loc["A", "due_date"]
    assert rows.loc["B", "visit_date"] > rows.loc["B", "due_date"]
    # Seen alone only where seen: B's "Y" says nothing of a child not seen.
    assert (rows.loc["A", "seen_alone"], rows.loc["B", "seen_alone"]) == ("Y", "")
    # No involvement: the visit has no worker or team to be counted under.
    assert set(rows["worker_id"]) == {"Unallocated"} and set(rows["team"]) == {NO_TEAM}


def test_cla_visits_count_calendar_days_and_cp_visits_find_the_child_by_plan() -> None:
    # Looked-after children: 42 calendar days. 1 March 2021 + 42 days = 12 April.
    tables = {
        "ssd_cla_visits": [
            {
                "clav_person_id": "L",
                "clav_cla_visit_date": d,
                "clav_cla_visit_seen": "Y",
                "clav_cla_visit_seen_alone": "N",
                "clav_cla_id": "C1",
            }
            for d in ("2021-03-01", "2021-04-12")
        ],
        # An older Mosaic build: no cppv_person_id, so the plan gives the child.
        "ssd_cp_visits": [
            {k: v for k, v in cp_visit("", d, plan="PL9").items() if k != "cppv_person_id"}
            for d in ("2021-04-01", "2021-04-19")
        ],
        "ssd_cp_plans": [
            {
                "cppl_cp_plan_id": "PL9",
                "cppl_person_id": "M",
                "cppl_cp_plan_start_date": "2021-03-01",
                "cppl_cp_plan_end_date": "",
            }
        ],
    }
    rows = visits(extract(tables, [date(2021, 4, 1)]))[date(2021, 4, 1)].set_index("child_id")
    assert rows.loc["L", "due_date"] == "2021-04-12" and rows.loc["L", "plan_type"] == "CLA"
    assert rows.loc["M", "due_date"] == "2021-04-19" and rows.loc["M", "plan_type"] == "CP"


def s47(enquiry: str, child: str, start: str, outcome: str, nfa: str) -> dict:
    return {
        "s47e_s47_enquiry_id": enquiry,
        "s47e_person_id": child,
        "s47e_s47_start_date": start,
        "s47e_s47_nfa": nfa,
        "s47e_s47_outcome_json": outcome,
        "s47e_s47_completed_by_team": "T1",
    }


def conference(enquiry: str, child: str, day: str, transfer_in: str = "N") -> dict:
    return {
        "icpc_s47_enquiry_id": enquiry,
        "icpc_person_id": child,
        "icpc_icpc_date": day,
        "icpc_icpc_transfer_in": transfer_in,
    }


# Strategy discussions on Monday 20 December 2021. From it the working days are 21, 22, 23,
# 24, 29, 30 and 31 December (27 and 28 December are the Christmas substitute bank holidays),
# 4, 5, 6, 7, 10, 11 and 12 January (3 January is New Year's substitute): 12 January is the
# 14th working day, 23 calendar days on. 13 January would be the 15th, 14 January the 16th.
ICPC_TABLES = {
    "ssd_s47_enquiry": [
        # The flag and the NFA column disagree: the flag, the system's own answer, decides.
        s47("1", "A", "2021-12-20", '{"CP_CONFERENCE_FLAG": "Y", "OUTCOME": "ICPC"}', "Y"),
        s47("2", "B", "2021-12-20", '{"CP_CONFERENCE_FLAG": "N"}', "N"),
        # No flag in the JSON: s47e_s47_nfa decides (Y: no further action, no conference).
        s47("3", "C", "2021-12-20", "", "Y"),
        s47("4", "D", "2021-12-20", "", "N"),
    ],
    "ssd_initial_cp_conference": [
        conference("1", "A", "2022-01-12"),
        # A conference transferred in from another council is not this council's.
        conference("4", "D", "2022-01-05", transfer_in="Y"),
    ],
    "ssd_department": DEPARTMENT,
}


def test_conference_needed_from_the_flag_and_else_from_nfa_both_ways() -> None:
    months = [date(2021, 12, 1), date(2022, 1, 1)]
    rows = icpc(extract(ICPC_TABLES, months))
    dec = rows[months[0]].set_index("child_id")
    jan = rows[months[1]].set_index("child_id")
    # December: every enquiry began then; A and D await a conference at 31 December,
    # B (flag N) and C (no flag, NFA Y) need none and are in their strategy month only.
    assert dict(dec["icpc_not_required"]) == {"A": "", "B": "Y", "C": "Y", "D": ""}
    assert set(dec["icpc_date"]) == {""}  # A's conference is after December's end
    # January: A's conference held; D still awaits one (its transfer-in one is left out).
    assert sorted(jan.index) == ["A", "D"]
    assert (jan.loc["A", "icpc_date"], jan.loc["D", "icpc_date"]) == ("2022-01-12", "")
    assert working_days_between(date(2021, 12, 20), date(2022, 1, 12)) == 14


def test_the_icpc_over_christmas_is_in_time_in_the_store(tmp_path: Path, pseudonym_key) -> None:
    """Through the loader: January 2022's ICPC in time is 1 of 1 (A's conference on the 14th
    working day); D, still awaiting at 31 January, is 29 working days on (past 15)."""
    paths = write_extract(tmp_path / "ssd", ICPC_TABLES)
    db = tmp_path / "store" / "csc.duckdb"
    [result] = load_paths(db, paths, as_at=date(2022, 2, 1))
    assert result.status == "loaded", result.report.to_text()
    jan = date(2022, 1, 1)
    assert _value(db, "icpc_within_15wd_pct", jan) == pytest.approx(100.0)
    assert _value(db, "icpc_awaiting_overdue", jan) == pytest.approx(1.0)
    lines = "\n".join(result.report.lists)
    assert "Initial child protection conferences: December 2021 – January 2022" in lines
    assert "from CP_CONFERENCE_FLAG for 2, from s47e_s47_nfa for 2" in lines
    assert "Caseloads: not filled (needs ssd_involvements, ssd_professionals)" in lines


def _value(db: Path, kpi: str, month: date, team: str = "ALL") -> float:
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, frame
    return frame["value"].iloc[0]


def test_a_re_referral_just_inside_and_just_outside_twelve_months() -> None:
    # Referrals on 1 March 2021. A's earlier one on 1 March 2020 is exactly 12 months before:
    # within them (as the CIN census counts); B's on 29 February 2020 is 12 months and a day
    # before: outside. C's two referrals on one day are one referral.
    referred = [
        ("A", "2020-03-01"),
        ("A", "2021-03-01"),
        ("B", "2020-02-29"),
        ("B", "2021-03-01"),
        ("C", "2021-03-01"),
        ("C", "2021-03-01"),
    ]
    tables = {
        "ssd_cin_episodes": [
            {
                "cine_referral_id": str(i),
                "cine_person_id": child,
                "cine_referral_date": day,
                "cine_referral_team": "T1",
            }
            for i, (child, day) in enumerate(referred)
        ]
    }
    rows = referrals(extract(tables, [date(2021, 3, 1)]))[date(2021, 3, 1)]
    assert dict(zip(rows["child_id"], rows["referrals_last_12_months"], strict=True)) == {
        "A": "1",
        "B": "0",
        "C": "0",
    }


def test_older_mosaic_involvements_find_the_child_through_the_referral() -> None:
    tables = {
        "ssd_involvements": [
            {k: v for k, v in invo("", "W1", "2021-01-04").items() if k != "invo_person_id"}
            | {"invo_referral_id": "77"}
        ],
        "ssd_cin_episodes": [
            {
                "cine_referral_id": "77",
                "cine_person_id": "Z",
                "cine_referral_date": "2021-01-02",
                "cine_referral_team": "T1",
            }
        ],
        # and no prof_professional_name column at all
        "ssd_professionals": [
            {k: v for k, v in prof("W1", "Social Worker").items() if k != "prof_professional_name"}
        ],
    }
    ext = extract(tables, [JAN])
    assert caseloads(ext)[JAN]["caseload"].tolist() == ["1"]
    assert FILLS["allocations"](ext)[JAN]["child_id"].tolist() == ["Z"]


def test_tables_are_known_by_name_or_by_their_headings() -> None:
    body = csv_text([cp_visit("A", "2021-04-01")])
    assert recognise("ssd_cp_visits.csv", b"").name == "ssd_cp_visits"
    assert recognise("2026-01-31_ssd_cin_plans_extract.csv", b"").name == "ssd_cin_plans"
    assert recognise("export (3).csv", body).name == "ssd_cp_visits"
    assert recognise("ssd_send.csv", b"").unread  # recognised, never parsed
    assert recognise("x.csv", b"miss_table_id,miss_person_id\n").name == "ssd_missing"
    assert recognise("caseloads_2021-01.csv", b"worker_id,team\nW1,T\n") is None


@pytest.fixture
def pseudonym_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = tmp_path / "keys" / "pseudonym.key"
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(key))
    return key


def test_caseloads_load_with_agency_not_known(tmp_path: Path, pseudonym_key) -> None:
    """Caseloads from a zip of the tables: the over-cap share is worked out, the agency share
    is no figure at all (not 0 %)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, rows in CASELOAD_TABLES.items():
            zf.writestr(f"{name}.csv", csv_text(rows))
        # A table the dashboard does not read travels with the rest, unread.
        zf.writestr("ssd_mother.csv", b"moth_person_id,moth_childs_dob\nA,2020-01-01\n")
    path = tmp_path / "ssd_extract.zip"
    path.write_bytes(buffer.getvalue())
    db = tmp_path / "store" / "csc.duckdb"
    [result] = load_paths(db, [path], as_at=date(2021, 3, 1))
    assert result.status == "loaded", result.report.to_text()
    assert _value(db, "caseload_highest", FEB) == pytest.approx(1.0)
    notes = [w.message for w in result.report.warnings]
    assert "ssd_mother (ssd_mother.csv): not used by the dashboard; not read, not stored" in notes
    frame = api.kpi_values(db, ["agency_worker_pct"], months=[FEB], teams=["ALL"])
    assert frame.empty or frame["value"].isna().all()


def test_nhs_numbers_as_child_ids_refuse_the_extract(tmp_path: Path, pseudonym_key) -> None:
    """The guard every file passes runs over the SSD's returns too: a person ID that is an
    NHS number (9434765919 passes the check digit) refuses the extract, naming the column."""
    tables = {
        "ssd_cla_visits": [
            {
                "clav_person_id": "9434765919",
                "clav_cla_visit_date": day,
                "clav_cla_visit_seen": "Y",
                "clav_cla_visit_seen_alone": "Y",
            }
            for day in ("2021-03-01", "2021-04-12")
        ]
    }
    paths = write_extract(tmp_path, tables)
    [result] = load_paths(tmp_path / "store" / "csc.duckdb", paths, as_at=date(2021, 5, 1))
    assert result.status == "rejected"
    [problem] = result.report.problems
    assert problem.check == "real_world_identifier" and problem.column == "child_id"
    assert "Statutory visits: child_id holds NHS numbers" in problem.message


def test_the_extracts_date_from_as_at_then_file_names_then_its_latest_event() -> None:
    tables = {"ssd_cin_episodes": [{"cine_referral_id": "1", "cine_person_id": "A",
              "cine_referral_date": "2026-01-20", "cine_referral_team": "T1"}]}  # fmt: skip
    reads = extract(tables, []).reads
    # The latest event, 20 January: January is not yet whole, December is the last month.
    assert _extract_date(reads, None) == date(2026, 1, 20)
    reads["ssd_cin_episodes"].file_name = "2026-02-01_ssd_cin_episodes.csv"
    assert _extract_date(reads, None) == date(2026, 2, 1)
    assert _extract_date(reads, date(2026, 3, 1)) == date(2026, 3, 1)


def test_cp_plans_open_ended_and_second_plans() -> None:
    # A: a plan from 5 January to 10 February 2021, then a second from 20 February (one
    # before it). B: a plan that ended on 31 December 2020 is in no 2021 month.
    tables = {
        "ssd_cp_plans": [
            {
                "cppl_cp_plan_id": str(i),
                "cppl_person_id": child,
                "cppl_cp_plan_start_date": start,
                "cppl_cp_plan_end_date": end,
            }
            for i, (child, start, end) in enumerate(
                [
                    ("A", "2021-01-05", "2021-02-10"),
                    ("A", "2021-02-20", ""),
                    ("B", "2020-06-01", "2020-12-31"),
                ]
            )
        ],
        # A's social worker from 2 January: the plans' team is the allocation's.
        "ssd_involvements": [invo("A", "W1", "2021-01-02")],
        "ssd_department": DEPARTMENT,
    }
    rows = FILLS["cp_plans"](extract(tables, [JAN, FEB]))
    jan, feb = rows[JAN], rows[FEB]
    # January: A's first plan, open at month end (its end is in February: blank then).
    assert jan[["child_id", "plan_end_date", "previous_plans"]].values.tolist() == [["A", "", "0"]]
    assert set(jan["team"]) == {"Safeguarding East"}
    # February: the first plan ended on the 10th, the second began on the 20th.
    assert feb[["plan_start_date", "plan_end_date", "previous_plans"]].values.tolist() == [
        ["2021-01-05", "2021-02-10", "0"],
        ["2021-02-20", "", "1"],
    ]


class _Upload:
    """What Streamlit's uploader gives: a name and the bytes."""

    def __init__(self, name: str, data: bytes = b"") -> None:
        self.name, self.data = name, data

    def getvalue(self) -> bytes:
        return self.data


def test_uploads_of_one_extract_are_one_set_beside_other_files() -> None:
    person, visits_file, invo_file, header = (
        _Upload("ssd_person.csv"),
        _Upload("visits_2021-04.csv", b"child_id,team\nA,T\n"),
        _Upload("ssd_involvements.csv"),
        _Upload("SSDA903_2022_header.csv", b"CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n"),
    )
    sets = upload_sets([person, visits_file, invo_file, header])
    assert sets == [[person, invo_file], [visits_file], [header]]


def test_allocations_plan_type_at_month_end() -> None:
    # X has no plan (CIN), Y a CP plan open at 31 January, Z a CP plan and a CLA episode
    # both open then (looked after: CLA). W's CLA episode ended on 30 January: CIN.
    tables = {
        "ssd_involvements": [invo(c, "W1", "2021-01-04") for c in "WXYZ"],
        "ssd_cp_plans": [
            {
                "cppl_cp_plan_id": c,
                "cppl_person_id": c,
                "cppl_cp_plan_start_date": "2021-01-05",
                "cppl_cp_plan_end_date": "",
            }
            for c in "YZ"
        ],
        "ssd_cla_episodes": [
            {
                "clae_cla_id": c,
                "clae_person_id": c,
                "clae_cla_episode_start_date": "2021-01-06",
                "clae_cla_episode_ceased_date": end,
                "clae_entered_care_date": "2021-01-06",
            }
            for c, end in (("Z", ""), ("W", "2021-01-30"))
        ],
    }
    rows = FILLS["allocations"](extract(tables, [JAN]))[JAN]
    assert dict(zip(rows["child_id"], rows["plan_type"], strict=True)) == {
        "W": "CIN",
        "X": "CIN",
        "Y": "CP",
        "Z": "CLA",
    }
