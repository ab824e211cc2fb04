"""Assessments, re-referrals, changes of social worker and care leavers, counted by hand.

Two teams, April and May 2021, loaded through the real loader into a real DuckDB store. Each
expected figure has its arithmetic beside it. May 2021 has two bank holidays (Monday 3 May and
Monday 31 May); April has Easter (Friday 2 and Monday 5 April). The same May, sent as an Ofsted
Annex A workbook (lists 3, 4 and 9), must give the same figures as the monthly files.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pytest

from etl.write import store
from etl.write.load import load_paths
from metrics import api
from tests.test_annex_a import COMMON, DOB, write_workbook

APRIL, MAY = date(2021, 4, 1), date(2021, 5, 1)
ALL = "ALL"

RETURNS = {
    # Working days after the start up to and including the authorisation (the calendar's rule).
    "assessments_2021-05.csv": (
        "child_id,team,worker_id,assessment_start_date,assessment_authorised_date\n"
        # Thu 18 Mar -> Tue 25 May: 19 Mar (1), 22-26 (5), 29 Mar-1 Apr (4, Good Friday out),
        # 6-9 Apr (4, Easter Monday out), 12-30 Apr (15), 4-7 May (4, 3 May out), 10-21 (10),
        # 24-25 (2) = 45: exactly the 45th working day, in time (48 if bank holidays counted)
        "A1,Team A,W1,2021-03-18,2021-05-25\n"
        # Wed 17 Mar -> Tue 25 May: one more (18 Mar) = 46: late
        "A2,Team A,W1,2021-03-17,2021-05-25\n"
        # Tue 4 May -> Thu 20 May: 5-7 (3), 10-14 (5), 17-20 (4) = 12: in time
        "A3,Team B,W2,2021-05-04,2021-05-20\n"
        # open at Mon 31 May (a bank holiday, so the count stops at Fri 28 May); after Mon
        # 1 Mar: March 2-31 (22), April (20), May 4-28 (19) = 61 > 45: overdue
        "A4,Team B,W2,2021-03-01,\n"
        # open; after Thu 1 Apr: 6-9 (4), 12-30 (15), 4-7 May (4), 10-28 (15) = 38: not yet
        "A5,Team A,W1,2021-04-01,\n"
        # authorised on 10 June, after month end: still open at 31 May, 81 working days after
        # Mon 1 Feb (Feb 2-26 (19) + 61 + 1 Mar (1)): overdue
        "A6,Team B,W2,2021-02-01,2021-06-10\n"
    ),
    "referrals_2021-05.csv": (
        "child_id,team,referral_date,referrals_last_12_months\n"
        "R1,Team A,2021-05-04,0\n"  # a first referral
        "R2,Team A,2021-05-10,1\n"  # one earlier referral in the 12 months: a re-referral
        "R3,Team A,2021-05-12,3\n"  # a re-referral
        "R4,Team B,2021-05-20,0\n"
        "R5,Team B,2021-05-21,\n"  # count not recorded: left out of both counts
        "R6,Team B,2021-05-28,0\n"
    ),
    # The 12 months to Mon 31 May 2021 run from Mon 1 June 2020.
    "allocations_2021-05.csv": (
        "child_id,team,worker_id,plan_type,allocated_from,allocated_to\n"
        # K1: W1's allocation ended on 1 June 2020, the window's first day: it counts, so W1,
        # W2, W3 = 3 social workers, 2 changes
        "K1,Team A,W1,CLA,2019-01-10,2020-06-01\n"
        "K1,Team A,W2,CLA,2020-06-02,2021-01-15\n"
        "K1,Team A,W3,CLA,2021-01-16,\n"
        # K2: the same, but W1's ended on 31 May 2020, the day before: W2, W3 = 2, 1 change
        "K2,Team A,W1,CLA,2019-01-10,2020-05-31\n"
        "K2,Team A,W2,CLA,2020-06-01,2021-02-28\n"
        "K2,Team A,W3,CLA,2021-03-01,\n"
        # K3: W4, W5 and back to W4 = 2 social workers, 2 changes
        "K3,Team B,W4,CP,2020-09-01,2020-12-31\n"
        "K3,Team B,W5,CP,2021-01-01,2021-03-31\n"
        "K3,Team B,W4,CP,2021-04-01,\n"
        # K4: one worker since 10 May = 1, no change
        "K4,Team B,W5,CIN,2021-05-10,\n"
        # K5: closed on 20 May, not open at month end: in no figure
        "K5,Team B,W4,CIN,2020-10-01,2021-05-20\n"
        # K6: W3 held the child to the month's last day, so it is open: 3 workers, 2 changes
        "K6,Team A,W1,CLA,2020-07-01,2020-08-31\n"
        "K6,Team A,W2,CLA,2020-09-01,2020-12-31\n"
        "K6,Team A,W3,CLA,2021-01-01,2021-05-31\n"
    ),
    # As an Annex A list before 2023: no pathway plan review dates, no personal advisers.
    "care_leavers_2021-04.csv": (
        "child_id,team,as_at_date,in_touch,accommodation_suitability,activity\n"
        "L1,Team A,30/04/2021,YES,SUITABLE,F2\n"
        "L2,Team A,30/04/2021,NO,UNSUITABLE,G4\n"
    ),
    # List date Mon 31 May 2021; a review is due 6 months after the last one.
    "care_leavers_2021-05.csv": (
        "child_id,team,personal_advisor_id,as_at_date,in_touch,accommodation_suitability,"
        "activity,pathway_plan_review_date\n"
        # reviewed 1 Dec 2020: next due 1 June 2021, after the list date: in time
        "L1,Team A,PA1,31/05/2021,YES,SUITABLE,F1,01/12/2020\n"
        # reviewed 30 Nov 2020: next due 30 May 2021, the day before the list date: late
        "L2,Team A,PA1,31/05/2021,NO,UNSUITABLE,G5,30/11/2020\n"
        # refuses contact; suitability and activity not known; never reviewed
        "L3,Team A,,31/05/2021,REFU,,,\n"
        "L4,Team B,PA2,31/05/2021,YES,SUITABLE,P5,01/05/2021\n"
        # has died: in no care leaver figure
        "L5,Team B,PA2,31/05/2021,DIED,,,\n"
        # Y and N as the codes' aliases; pregnant or parenting, not in EET
        "L6,Team B,PA2,31/05/2021,Y,N,G6,15/03/2021\n"
    ),
}

# (kpi, month, team, plan_type) -> expected value; NaN = no data.
EXPECTED = {
    # Authorised in May: A1, A2, A3; in time A1 (45) and A3 (12) = 2 of 3.
    ("assessments_within_45wd_pct", MAY, ALL, ALL): 200 / 3,
    ("assessments_within_45wd_pct", MAY, "Team A", ALL): 50.0,  # A1 of A1, A2
    ("assessments_within_45wd_pct", MAY, "Team B", ALL): 100.0,  # A3
    # Open past 45 working days at 31 May: A4 (61) and A6 (81); A5 (38) is not.
    ("assessments_open_overdue", MAY, ALL, ALL): 2,
    ("assessments_open_overdue", MAY, "Team A", ALL): 0,
    ("assessments_open_overdue", MAY, "Team B", ALL): 2,
    # Counts recorded R1-R4, R6 = 5; re-referrals R2, R3 = 2 of 5.
    ("rereferrals_12m_pct", MAY, ALL, ALL): 40.0,
    ("rereferrals_12m_pct", MAY, "Team A", ALL): 200 / 3,  # R2, R3 of R1-R3
    ("rereferrals_12m_pct", MAY, "Team B", ALL): 0.0,  # R4, R6 (R5 left out)
    # Open at 31 May: K1, K2, K3, K4, K6 = 5; three or more workers K1, K6 = 2 of 5.
    ("children_3plus_social_workers_pct", MAY, ALL, ALL): 40.0,
    ("children_3plus_social_workers_pct", MAY, "Team A", ALL): 200 / 3,  # K1, K6 of K1, K2, K6
    ("children_3plus_social_workers_pct", MAY, "Team B", ALL): 0.0,  # K3, K4
    ("children_3plus_social_workers_pct", MAY, ALL, "CP"): 0.0,  # K3: 2 workers
    # Looked after: K1, K2, K6; K1 and K6 = 2 of 3. Team B has none looked after.
    ("cla_3plus_social_workers_pct", MAY, ALL, ALL): 200 / 3,
    ("cla_3plus_social_workers_pct", MAY, "Team B", ALL): math.nan,
    # Changes: K1 2, K2 1, K3 2, K4 0, K6 2 = 7 over 5 children.
    ("social_worker_changes_per_child", MAY, ALL, ALL): 7 / 5,
    ("social_worker_changes_per_child", MAY, "Team A", ALL): 5 / 3,  # (2 + 1 + 2) / 3
    ("social_worker_changes_per_child", MAY, "Team B", ALL): 1.0,  # (2 + 0) / 2
    ("social_worker_changes_per_child", MAY, ALL, "CIN"): 0.0,  # K4 (K5 closed)
    # Care leavers at 31 May, counted L1-L4, L6 (L5 has died) = 5.
    ("care_leavers_in_touch_pct", MAY, ALL, ALL): 60.0,  # L1, L4, L6
    ("care_leavers_in_touch_pct", MAY, "Team A", ALL): 100 / 3,  # L1 (L3 refuses contact)
    ("care_leavers_in_touch_pct", MAY, "Team B", ALL): 100.0,  # L4, L6
    ("care_leavers_suitable_accommodation_pct", MAY, ALL, ALL): 40.0,  # L1, L4
    ("care_leavers_suitable_accommodation_pct", MAY, "Team B", ALL): 50.0,  # L4 of L4, L6
    ("care_leavers_eet_pct", MAY, ALL, ALL): 40.0,  # L1 (F1), L4 (P5)
    ("care_leavers_eet_pct", MAY, "Team A", ALL): 100 / 3,  # L1 of L1-L3
    ("care_leavers_pathway_plan_in_time_pct", MAY, ALL, ALL): 60.0,  # L1, L4, L6
    ("care_leavers_pathway_plan_in_time_pct", MAY, "Team A", ALL): 100 / 3,  # L1
    # April's list carries no review dates: no data, not 0 %; the other figures stand.
    ("care_leavers_pathway_plan_in_time_pct", APRIL, ALL, ALL): math.nan,
    ("care_leavers_in_touch_pct", APRIL, ALL, ALL): 50.0,  # L1 of L1, L2
    ("care_leavers_eet_pct", APRIL, ALL, ALL): 50.0,  # L1 (F2)
}


def _load(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        paths.append(root / name)
        paths[-1].write_text(text, encoding="utf-8")
    db = root / "csc.duckdb"
    results = load_paths(db, paths)
    assert all(r.ok for r in results), [r.report.to_text() for r in results if not r.ok]
    return db


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _load(tmp_path_factory.mktemp("front-door"), RETURNS)


def _value(db: Path, kpi: str, month: date, team: str = ALL, plan_type: str = ALL) -> float:
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team], plan_type=plan_type)
    assert len(frame) == 1, (kpi, month, team, plan_type, frame)
    return frame["value"].iloc[0]


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]:%b}-{k[2]}-{k[3]}")
def test_kpi_value_matches_the_hand_count(small_db: Path, key: tuple) -> None:
    expected, got = EXPECTED[key], _value(small_db, *key)
    if math.isnan(expected):
        assert math.isnan(got), "a zero denominator must give no data, not 0"
    else:
        assert got == pytest.approx(expected)


def test_the_rows_behind_the_figures_show_the_deciding_counts(small_db: Path) -> None:
    rows = api.kpi_rows(small_db, "assessments_within_45wd_pct", MAY, team="Team A")
    days = dict(zip(rows["child_id"], rows["working_days_to_authorise"], strict=True))
    assert days == {"A1": 45, "A2": 46}
    # Each open child once, on its current allocation, with its count of social workers.
    rows = api.kpi_rows(small_db, "children_3plus_social_workers_pct", MAY)
    workers = dict(zip(rows["child_id"], rows["social_workers_12m"], strict=True))
    assert workers == {"K1": 3, "K2": 2, "K3": 2, "K4": 1, "K6": 3}
    assert "ran into the 12 months" in api.how_calculated("children_3plus_social_workers_pct")
    assert "within 12 months of a previous referral" in api.how_calculated("rereferrals_12m_pct")


def test_statuses_follow_the_council_rules(small_db: Path) -> None:
    frame = api.kpi_values(small_db, months=[MAY], teams=[ALL])
    status = dict(zip(frame["kpi"], frame["status"], strict=True))
    assert status["assessments_within_45wd_pct"] == "off track"  # 66.7 % after March 2021
    assert status["rereferrals_12m_pct"] == "off track"  # 40 % > 22 + 3
    assert status["cla_3plus_social_workers_pct"] == "off track"  # 66.7 % > 25 + 5
    assert status["care_leavers_pathway_plan_in_time_pct"] == "off track"  # 60 % < 100 - 5


#: May's assessments, referrals and care leavers as an Annex A workbook taken on 31 May 2021.
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
    "Was the child assessed as requiring LA children's social care support?",
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
    "LA in Touch ",
    "Latest Pathway Plan Review Date",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
]
ADVISER = "Rosamund Achterberg-Pye"


def _d(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _person(child: str) -> list:
    return [child, "b) Female", "a) WBRI", DOB, 17]


def _workbook_rows() -> dict[str, tuple[list[str], list[list]]]:
    """The May CSV rows, as the Ofsted template writes them (option letters, coded labels)."""
    referrals = [
        [*_person(c), _d(day), "q) 6: Police", "b) No", n, team, "Ada Ashdown"]
        for c, team, day, n in [
            ("R1", "Team A", "2021-05-04", 0),
            ("R2", "Team A", "2021-05-10", 1),
            ("R3", "Team A", "2021-05-12", 3),
            ("R4", "Team B", "2021-05-20", 0),
            ("R5", "Team B", "2021-05-21", None),
            ("R6", "Team B", "2021-05-28", 0),
        ]
    ]
    # A list taken on 31 May cannot know A6's authorisation on 10 June: it is open there,
    # and May's figures are the same either way.
    assessments = [
        [*_person(c), "b) No", _d(start), "a) Yes", _d(done), "", team, "Bram Brierley"]
        for c, team, start, done in [
            ("A1", "Team A", "2021-03-18", "2021-05-25"),
            ("A2", "Team A", "2021-03-17", "2021-05-25"),
            ("A3", "Team B", "2021-05-04", "2021-05-20"),
            ("A4", "Team B", "2021-03-01", ""),
            ("A5", "Team A", "2021-04-01", ""),
            ("A6", "Team B", "2021-02-01", ""),
        ]
    ]
    activity = {
        "F1": "F1: Full time in higher education",
        "G5": "G5: Not in education, employment or training - other",
        "P5": "P5: Young person engaged part time in training or employment (not apprenticeship)",
        "G6": "G6: Not in education, employment or training - pregnancy or parenting",
        "": "",
    }
    leavers = [
        [
            *_person(c),
            "b) No",
            team,
            "Cleo Carrow",
            ADVISER if adviser else None,
            "b) Former relevant child",
            touch,
            _d(review),
            "U: Independent living",
            suitable,
            activity[act],
        ]
        for c, team, adviser, touch, suitable, act, review in [
            ("L1", "Team A", True, "a) Yes", "a) Suitable", "F1", "2020-12-01"),
            ("L2", "Team A", True, "b) No", "b) Unsuitable", "G5", "2020-11-30"),
            ("L3", "Team A", False, "d) Refu", "", "", ""),
            ("L4", "Team B", True, "a) Yes", "a) Suitable", "P5", "2021-05-01"),
            ("L5", "Team B", True, "c) Died", "", "", ""),
            ("L6", "Team B", True, "a) Yes", "b) Unsuitable", "G6", "2021-03-15"),
        ]
    ]
    return {"List_3": (LIST3, referrals), "List_4": (LIST4, assessments),
            "List_9": (LIST9, leavers)}  # fmt: skip


def test_lists_3_4_9_give_the_same_figures_as_the_monthly_files(
    small_db: Path, tmp_path: Path
) -> None:
    book = write_workbook(tmp_path / "Annex_A_2021-05-31.xlsx", _workbook_rows())
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    used = {line.split(" → ")[1].split(":")[0]: line for line in result.report.lists}
    # Each list fills May alone: List 4's period starts with its first authorisation (A3).
    for name in ("referrals", "assessments", "care_leavers"):
        assert "6 rows read, 6 used, months May 2021" in used[name], used[name]
    kpis = sorted({k[0] for k in EXPECTED} - {
        "children_3plus_social_workers_pct", "cla_3plus_social_workers_pct",
        "social_worker_changes_per_child",
    })  # fmt: skip
    for team in (ALL, "Team A", "Team B"):
        monthly = api.kpi_values(small_db, kpis, months=[MAY], teams=[team])
        annex = api.kpi_values(db, kpis, months=[MAY], teams=[team])
        assert monthly["kpi"].tolist() == annex["kpi"].tolist() == kpis
        assert monthly["value"].fillna(-1).tolist() == pytest.approx(
            annex["value"].fillna(-1).tolist()
        ), team
    # The personal adviser's name is a pseudonym in the store, the same for each young person.
    con = store.open_reader(db)
    try:
        advisers = con.execute("SELECT DISTINCT personal_advisor_id FROM care_leavers").fetchall()
    finally:
        con.close()
    named = {a for (a,) in advisers if a}
    assert len(named) == 1 and named.pop().startswith("P-") and (None,) in advisers  # L3
    for secret in (ADVISER, "Achterberg", "Ada Ashdown", "Bram Brierley", "Cleo Carrow"):
        assert secret.encode() not in db.read_bytes(), secret


def test_the_demo_council_tells_the_same_story(demo_db: Path) -> None:
    """Spring 2019 poor, better by 2022; Safeguarding 2 behind the council."""
    kpis = {
        "assessments_within_45wd_pct": 1,  # must rise
        "rereferrals_12m_pct": -1,  # must fall
        "children_3plus_social_workers_pct": -1,
        "care_leavers_in_touch_pct": 1,
        "care_leavers_eet_pct": 1,
    }
    values = api.kpi_values(demo_db, list(kpis), teams=[ALL, "Safeguarding 2"])
    for kpi, direction in kpis.items():
        council = values[(values["kpi"] == kpi) & (values["team"] == ALL)].sort_values("month")
        assert len(council) == 36, kpi
        first, last = council["value"].iloc[:6].mean(), council["value"].iloc[-6:].mean()
        assert direction * (last - first) > 0, (kpi, first, last)
    behind = values[values["kpi"] == "rereferrals_12m_pct"].groupby("team")["value"].mean()
    assert behind["Safeguarding 2"] > behind[ALL]
