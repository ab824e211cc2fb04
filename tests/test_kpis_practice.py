"""Case-file audits, out-of-hours (EDT) handovers, closures, the urgent case review and the
ASYE programme, counted by hand.

Two teams (and the front door for contacts about no known child), May 2021 (and April where a
month without a return matters), loaded through the real loader into a real DuckDB store.
Each expected figure has its arithmetic beside it. May 2021 has two bank holidays: Monday
3 May and Monday 31 May. The EDT deadline is the shipped council setting, 10:00.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from etl.check.validate import parse_datetimes
from etl.read.workbook import cell_text
from etl.write import store
from etl.write.load import load_paths
from metrics import api, compute
from metrics.config import DEFAULT_CONFIG, load_config
from metrics.declarations import declarations
from tests.conftest import app_reads
from tests.test_app_pages import (
    FEW_CASES_AREAS,
    _app,
    _area_kpis,
    _expected_area,
    _months,
    _shown,
)
from ui.navigation import area_page_path

APRIL, MAY = date(2021, 4, 1), date(2021, 5, 1)
ALL = "ALL"
FRONT_DOOR = "Front door"

RETURNS = {
    "audits_2021-05.csv": (
        "audit_id,child_id,team,worker_id,audit_date,grade,actions_due_date,"
        "actions_completed_date\n"
        "A1,C1,Team A,W1,2021-05-04,GOOD,,\n"  # good, no actions set
        "A2,C2,Team A,W1,2021-05-10,Outstanding,,\n"  # outstanding (any case)
        # requires improvement; actions completed exactly on their due date: in time
        "A3,C3,Team A,W2,2021-05-12,Requires improvement,2021-05-26,2021-05-26\n"
        # inadequate (grade 4); completed 28 May, a week after the 21st: late
        "A4,C4,Team B,W4,2021-05-14,4,2021-05-21,2021-05-28\n"
        # open, due 18 June (after the month: allowed for a due date): not yet overdue
        "A5,C5,Team B,W4,2021-05-20,RI,2021-06-18,\n"
        # a March audit sent because its actions are open: due 15 April, so at Mon 31 May
        # 15 (16-30 Apr) + 31 (May) = 46 days overdue
        "A6,C6,Team B,W5,2021-03-15,INADEQUATE,2021-04-15,\n"
        # an April audit whose actions were completed in May, before their due date: in time
        "A7,C7,Team A,W2,2021-04-20,RI,2021-05-10,2021-05-07\n"
        # due on the month's last day and open: not overdue (0 days)
        "A8,C8,Team A,W1,2021-05-25,GOOD,2021-05-31,\n"
        # an April audit, open, due 14 May: 31 - 14 = 17 days overdue
        "A9,C9,Team A,W2,2021-04-12,RI,2021-05-14,\n"
    ),
    "closures_2021-05.csv": (
        "child_id,team,worker_id,closure_date,closure_type,manager_decision_date\n"
        "C20,Team A,W1,2021-05-05,CLOSED,2021-05-04\n"  # decided the day before: on time
        "C21,Team A,W1,2021-05-12,Step down to early help,2021-05-12\n"  # same day: on time
        "C22,Team A,W2,2021-05-19,CLOSED,2021-05-20\n"  # decided a day after: not on time
        "C23,Team B,W4,2021-05-21,STEP_DOWN,\n"  # no decision recorded
        "C24,Team B,W5,2021-05-28,closed,28/05/2021\n"  # on time
    ),
    "case_review_2021-04.csv": (
        "child_id,team,reviewed_date,outcome\n"
        "C30,Team A,2021-04-20,NFA\n"
        "C31,Team A,,\n"
        "C32,Team A,,\n"
        "C33,Team B,,\n"
        "C34,Team B,,\n"
    ),
    "case_review_2021-05.csv": (
        "child_id,team,reviewed_date,outcome\n"
        "C30,Team A,2021-04-20,NFA\n"
        "C31,Team A,2021-05-11,Escalated\n"
        "C32,Team A,,\n"
        "C33,Team B,2021-05-27,ACTIONS\n"
        # reviewed on 2 June, after month end (the export ran in June): not by 31 May
        "C34,Team B,2021-06-02,NFA\n"
    ),
    # Due by 10:00 on the first working day whose 10:00 comes after the contact was received.
    "edt_contacts_2021-05.csv": (
        "contact_id,child_id,team,received_at,handed_over_at,outcome\n"
        # Fri 28 May 18:30, before the bank holiday Monday: due Tue 1 June 10:00; 09:45 is in
        # time (it would be late if Monday 31 May counted as a working day)
        "E1,C40,Front door,2021-05-28 18:30,2021-06-01 09:45,REFERRAL\n"
        # Fri 28 May 19:10 (UK date-time), handed over on the bank holiday at 11:00: in time
        "E2,C41,Front door,28/05/2021 19:10,31/05/2021 11:00,Advice and information\n"
        # Sat 29 May 02:15, no child: due Tue 1 June 10:00; 10:30 is late
        "E3,,Front door,2021-05-29 02:15,2021-06-01 10:30,NFA\n"
        # Mon 31 May (a bank holiday) 07:00: due Tue 1 June 10:00; 09:59 (ISO with T): in time
        "E9,,Front door,2021-05-31 07:00,2021-06-01T09:59:00,ADVICE\n"
        # Wed 12 May 02:00, in the Tuesday night shift: due that Wednesday 10:00; 09:30 in time
        "E4,C42,Team A,2021-05-12 02:00,2021-05-12 09:30,STRATEGY\n"
        # Wed 12 May 20:00: due Thu 13 May 10:00; handed over at exactly 10:00: in time
        "E5,C43,Team A,2021-05-12 20:00,2021-05-13 10:00,ADVICE\n"
        # Fri 14 May 23:00: never handed over
        "E6,C44,Team A,2021-05-14 23:00,,ACCOMMODATED\n"
        # Sat 1 May 10:00; Mon 3 May is a bank holiday: due Tue 4 May 10:00; 09:00 in time
        "E7,C45,Team B,2021-05-01 10:00,2021-05-04 09:00,referral\n"
        # Fri 7 May 18:00: due Mon 10 May 10:00; 10:01 is late
        "E8,C46,Team B,2021-05-07 18:00,2021-05-10 10:01,NFA\n"
    ),
    "caseloads_2021-04.csv": (
        "worker_id,team,role,fte,agency,caseload\nW2,Team A,ASYE,1,N,15\nW1,Team A,QSW,1,N,20\n"
    ),
    "caseloads_2021-05.csv": (
        "worker_id,team,role,fte,agency,caseload\n"
        "W1,Team A,QSW,1,N,20\n"
        "W2,Team A,ASYE,1,N,15\n"
        "W3,Team A,ASYE,1,N,12\n"
        "W4,Team B,ASYE,1,N,16\n"
        "W5,Team B,QSW,1,N,18\n"
        "W6,Team B,ASYE,0.8,N,10\n"
    ),
    "asye_feedback_2021-05.csv": (
        "worker_id,team,response_date,programme_rating,caseload_rating,supervision_rating,"
        "learning_rating\n"
        "W2,Team A,2021-05-10,5,4,4,5\n"  # good
        "W3,Team A,2021-05-11,3,2,3,3\n"  # not good
        "W4,Team B,2021-05-12,4,5,4,4\n"  # good
        # programme not rated: left out of the rating; not in May's caseloads return
        "W9,Team B,2021-05-12,,3,3,3\n"
    ),
}

# (kpi, month, team) -> expected value; NaN = no data.
EXPECTED = {
    # Audited in May: A1, A2, A3, A4, A5, A8 = 6 (A6, A7, A9 are earlier audits). Good or
    # better: A1, A2, A8 = 3/6.
    ("audits_good_or_better_pct", MAY, ALL): 50.0,
    ("audits_good_or_better_pct", MAY, "Team A"): 75.0,  # A1, A2, A8 of A1, A2, A3, A8
    ("audits_good_or_better_pct", MAY, "Team B"): 0.0,  # none of A4, A5
    ("audits_inadequate_pct", MAY, ALL): 100 / 6,  # A4 of six (A6 is a March audit)
    ("audits_inadequate_pct", MAY, "Team B"): 50.0,  # A4 of A4, A5
    ("audits_inadequate_pct", MAY, "Team A"): 0.0,
    # Actions completed in May: A3 (on the due date), A4 (late), A7 (early) = 2/3.
    ("audit_actions_in_time_pct", MAY, ALL): 200 / 3,
    ("audit_actions_in_time_pct", MAY, "Team A"): 100.0,  # A3, A7
    ("audit_actions_in_time_pct", MAY, "Team B"): 0.0,  # A4
    # Open at 31 May: A5 (not due), A6 (46 days over), A8 (due that day), A9 (17 over).
    ("audit_actions_overdue", MAY, ALL): 2,  # A6, A9
    ("audit_actions_overdue", MAY, "Team A"): 1,  # A9
    ("audit_actions_overdue", MAY, "Team B"): 1,  # A6
    ("audit_actions_oldest_overdue_days", MAY, ALL): 46,  # A6
    ("audit_actions_oldest_overdue_days", MAY, "Team A"): 17,  # A9
    ("audit_actions_oldest_overdue_days", MAY, "Team B"): 46,
    # Decision on or before closure: C20, C21, C24 = 3/5.
    ("closures_manager_decision_pct", MAY, ALL): 60.0,
    ("closures_manager_decision_pct", MAY, "Team A"): 200 / 3,  # C20, C21 of three
    ("closures_manager_decision_pct", MAY, "Team B"): 50.0,  # C24 of C23, C24
    # Urgent review: April C30 of five = 20%; May C30, C31, C33 of five (C34 on 2 June) = 60%.
    ("case_review_reviewed_pct", APRIL, ALL): 20.0,
    ("case_review_reviewed_pct", MAY, ALL): 60.0,
    ("case_review_reviewed_pct", MAY, "Team A"): 200 / 3,  # C30, C31 of C30-C32
    ("case_review_reviewed_pct", MAY, "Team B"): 50.0,  # C33 of C33, C34
    # Escalated: C31 of the three reviewed by 31 May.
    ("case_review_escalated_pct", MAY, ALL): 100 / 3,
    ("case_review_escalated_pct", MAY, "Team B"): 0.0,  # C33 had actions set
    ("case_review_escalated_pct", APRIL, ALL): 0.0,  # C30: no further action
    # EDT: in time E1, E2, E9, E4, E5, E7 = 6 of 9 (late E3, E8; never E6).
    ("edt_handed_over_in_time_pct", MAY, ALL): 200 / 3,
    ("edt_handed_over_in_time_pct", MAY, FRONT_DOOR): 75.0,  # E1, E2, E9 of four
    ("edt_handed_over_in_time_pct", MAY, "Team A"): 200 / 3,  # E4, E5 of three
    ("edt_handed_over_in_time_pct", MAY, "Team B"): 50.0,  # E7 of E7, E8
    ("edt_not_handed_over", MAY, ALL): 1,  # E6
    ("edt_not_handed_over", MAY, "Team B"): 0,
    # ASYE programme rated 4-5: W2, W4 of W2, W3, W4 (W9 gave no rating) = 2/3.
    ("asye_programme_good_pct", MAY, ALL): 200 / 3,
    ("asye_programme_good_pct", MAY, "Team A"): 50.0,  # W2 of W2, W3
    ("asye_programme_good_pct", MAY, "Team B"): 100.0,  # W4
    # Response rate: ASYEs in May's caseloads W2, W3, W4, W6; responded W2, W3, W4 = 3/4 (W9
    # is in no caseloads return).
    ("asye_response_rate_pct", MAY, ALL): 75.0,
    ("asye_response_rate_pct", MAY, "Team A"): 100.0,  # W2, W3
    ("asye_response_rate_pct", MAY, "Team B"): 50.0,  # W4 of W4, W6
    # April has ASYEs but no survey: no data, not 0%.
    ("asye_response_rate_pct", APRIL, ALL): math.nan,
}
PRACTICE_KPIS = {
    k.id for k in declarations().kpis.values() if k.area in ("practice", "edt", "asye")
}


def build_store(root: Path) -> Path:
    """The tiny council's returns loaded through the real loader into a store under ``root``."""
    folder = root / "in"
    folder.mkdir(parents=True)
    paths = []
    for name, text in RETURNS.items():
        paths.append(folder / name)
        paths[-1].write_text(text, encoding="utf-8")
    db = root / "csc.duckdb"
    results = load_paths(db, paths)
    assert all(r.ok for r in results), [r.report.to_text() for r in results if not r.ok]
    return db


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("practice"))


def test_every_practice_kpi_has_a_hand_count() -> None:
    assert {k[0] for k in EXPECTED} == PRACTICE_KPIS


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]:%b}-{k[2]}")
def test_kpi_value_matches_the_hand_count(small_db: Path, key: tuple) -> None:
    kpi, month, team = key
    frame = api.kpi_values(small_db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, (key, frame)
    expected, got = EXPECTED[key], frame["value"].iloc[0]
    if math.isnan(expected):
        assert math.isnan(got), "a zero denominator must give no data, not 0"
    else:
        assert got == pytest.approx(expected)


def test_handover_deadlines_skip_weekends_and_bank_holidays(small_db: Path) -> None:
    rows = api.kpi_rows(small_db, "edt_handed_over_in_time_pct", MAY)
    due = dict(zip(rows["contact_id"], rows["handover_due_at"].astype(str), strict=True))
    assert due["E1"] == due["E2"] == due["E3"] == due["E9"] == "2021-06-01 10:00:00"
    assert due["E4"] == "2021-05-12 10:00:00"  # after midnight: that morning
    assert due["E7"] == "2021-05-04 10:00:00"  # past the early May bank holiday
    assert due["E8"] == "2021-05-10 10:00:00"
    assert "Tuesday 1 June" in api.how_calculated("edt_handed_over_in_time_pct")


def test_the_deadline_hour_is_the_councils_setting(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["edt_handover_deadline_hour"] = 11
    config = tmp_path / "council.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("CSC_CONFIG", str(config))
    title = declarations().kpis["edt_handed_over_in_time_pct"].title
    assert title.endswith("by 11:00 the next working day")
    con = store.open_reader(small_db)
    try:
        frame = compute.compute(con, ["edt_handed_over_in_time_pct"], [MAY])
    finally:
        con.close()
    council = frame[frame["team"] == ALL].iloc[0]
    # By 11:00, E3 (10:30 on Tue 1 June) and E8 (10:01 on Mon 10 May) are in time too: 8 of 9.
    assert (council["numerator"], council["denominator"]) == (8, 9)


def test_the_deadline_hour_must_be_a_whole_hour(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config = tmp_path / "council.yaml"
    config.write_text(
        yaml.safe_dump(raw).replace(
            "edt_handover_deadline_hour: 10", "edt_handover_deadline_hour: 10:00"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="whole hour from 0 to 23"):
        load_config(config)  # YAML reads an unquoted 10:00 as 600


def test_date_times_read_iso_and_uk_and_need_a_real_time() -> None:
    got = parse_datetimes(
        pd.Series(
            [
                "2021-04-02 18:30",
                "02/04/2021 18:30",
                "2021-04-02T18:30:00",
                "2 Apr 2021 18:30:15",
                "2021-04-02",  # a date alone: the time is not guessed
                "02/04/2021 24:00",
                "02/04/2021 18:60",
                "31/02/2021 10:00",
                "",
            ]
        )
    )
    assert list(got[:4].astype(str)) == ["2021-04-02 18:30:00"] * 3 + ["2021-04-02 18:30:15"]
    assert got[4:].isna().all()


def test_an_excel_date_time_cell_keeps_its_time() -> None:
    assert cell_text(datetime(2021, 5, 28, 18, 30)) == "2021-05-28 18:30:00"
    assert cell_text(datetime(2021, 5, 28)) == "2021-05-28"  # a plain date cell, as before


def test_a_date_time_without_its_time_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "edt_contacts_2021-05.csv"
    path.write_text(
        "contact_id,child_id,team,received_at,handed_over_at,outcome\n"
        "E1,C1,Team A,28/05/2021,01/06/2021 09:45,ADVICE\n",
        encoding="utf-8",
    )
    [result] = load_paths(tmp_path / "csc.duckdb", [path])
    assert result.status == "rejected"
    assert "received_at has values that are not dates with a time" in result.report.to_text()


def test_statuses_follow_the_council_rules(small_db: Path) -> None:
    frame = api.kpi_values(small_db, months=[MAY], teams=[ALL, "Team A"])
    judged = zip(frame["kpi"], frame["team"], frame["status"], strict=True)
    status = {(kpi, team): word for kpi, team, word in judged}
    assert status["edt_handed_over_in_time_pct", ALL] == "off track"  # 66.7 % < 100 - 5
    assert status["edt_not_handed_over", ALL] == "off track"  # 1 > 0
    assert status["case_review_reviewed_pct", ALL] == "off track"  # 60 % after 30 Sep 2019
    assert status["closures_manager_decision_pct", ALL] == "off track"  # 60 % < 95
    # Oldest overdue: Team A's 17 days is within 28; the council's 46 is 18 over (not < 14).
    assert status["audit_actions_oldest_overdue_days", "Team A"] == "on track"
    assert status["audit_actions_oldest_overdue_days", ALL] == "off track"
    assert status["audit_actions_in_time_pct", "Team A"] == "on track"  # 100 %
    assert status["asye_response_rate_pct", "Team A"] == "on track"  # 100 % >= 75
    assert status["asye_programme_good_pct", ALL] == "off track"  # 66.7 %: 13.3 below 80
    # Inadequate: 16.7 % is 6.7 points over the ceiling of 10, more than the 5 "at risk" band.
    assert status["audits_inadequate_pct", ALL] == "off track"
    assert status["audits_inadequate_pct", "Team A"] == "on track"  # 0 %


def _mean(frame: pd.DataFrame, kpi: str, first: date, last: date, team: str = ALL) -> float:
    rows = frame[(frame["kpi"] == kpi) & (frame["team"] == team)]
    return rows[rows["month"].between(first, last)]["value"].mean()


def test_the_demo_tells_the_same_story(demo_db: Path) -> None:
    """Northmoor's practice measures: poor in spring 2019, much better by spring 2021, a dip
    in the winter of 2020–21, Safeguarding 2 behind the council."""
    rising = [
        "audits_good_or_better_pct",
        "audit_actions_in_time_pct",
        "closures_manager_decision_pct",
        "edt_handed_over_in_time_pct",
        "asye_programme_good_pct",
    ]
    frame = api.kpi_values(demo_db, rising, teams=None)
    for kpi in rising:
        spring_2019 = _mean(frame, kpi, date(2019, 4, 1), date(2019, 6, 1))
        spring_2021 = _mean(frame, kpi, date(2021, 4, 1), date(2021, 6, 1))
        autumn = _mean(frame, kpi, date(2020, 9, 1), date(2020, 11, 1))
        winter = _mean(frame, kpi, date(2020, 12, 1), date(2021, 2, 1))
        whole = (date(2019, 4, 1), date(2022, 3, 1))
        assert spring_2019 + 20 < spring_2021, kpi
        assert winter < autumn, kpi
        assert _mean(frame, kpi, *whole, team="Safeguarding 2") < _mean(frame, kpi, *whole), kpi
    # The urgent review reaches every case in its scope in December 2019, after the board's
    # target date (30 September 2019); Safeguarding 2 is among the last.
    review = api.kpi_values(demo_db, ["case_review_reviewed_pct"], teams=None)
    council = review[review["team"] == ALL].set_index("month")["value"]
    assert council[date(2019, 4, 1)] < 20 and council[date(2019, 9, 1)] < 100
    assert council[date(2020, 1, 1)] == 100
    september = review[review["month"] == date(2019, 9, 1)].set_index("team")["value"]
    assert september["Safeguarding 2"] == september.min()


@pytest.mark.parametrize("area_id", FEW_CASES_AREAS)
def test_the_area_page_shows_the_metrics_layer(demo_db: Path, area_id: str) -> None:
    """The council's figures and how each is calculated, as the area-page test checks the
    other areas (whose team and month checks need figures that differ: a team's few
    contacts or ASYEs can score 100 % in two months)."""
    with app_reads(demo_db):
        at = _app().run()
        at.switch_page(area_page_path(area_id)).run()
        assert not at.exception
        assert _shown(at) == _expected_area(demo_db, area_id, _months(demo_db)[-1], ALL, ALL)
        for kpi in _area_kpis(area_id):
            assert any(m.value == api.how_calculated(kpi.id) for m in at.markdown)
