"""Children looked after, from an SSDA903 set (2021-22), counted by hand.

A small year's tables — header, episodes, reviews, missing, OC3 and social worker episodes —
written as a council's system exports them (DfE short headings, UK dates, postcodes, UPNs and
dates of birth in them) and loaded together through the real loader into a real DuckDB
store. Each expected figure has its arithmetic beside it. The SSDA903 has no team: every
figure is the whole council's.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from etl.sources.ssda903 import declaration
from etl.write.load import check_ssda903, load_paths
from metrics import api

ROOT = Path(__file__).resolve().parent.parent
ALL = "ALL"
TEAM = declaration()[0]
APR, MAY, JUN, JUL = date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1), date(2021, 7, 1)
NOV, DEC, JAN, MAR = date(2021, 11, 1), date(2021, 12, 1), date(2022, 1, 1), date(2022, 3, 1)

#: The personal data the tables carry: none of it may be anywhere once loaded.
DOBS = ("14/05/2010", "02/09/2012", "30/06/2008", "11/11/2011", "07/03/2015", "21/12/2009")
UPNS = ("A123456789012", "B987654321098")
POSTCODES = ("NM1 2AB", "NM9 8ZZ", "NM4 4QT")

TABLES = {
    "SSDA903_2022_header.csv": (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        f"C1,1,{DOBS[0]},WBRI,{UPNS[0]},,\n"
        f"C2,2,{DOBS[1]},WBRI,{UPNS[1]},,\n"
        f"R1,1,{DOBS[2]},WBRI,UN1,,\n"
        f"R2,2,{DOBS[3]},MWBA,UN1,,\n"
        # C7's date of birth is after its first episode began: rule 302, set aside
        f"C7,1,{DOBS[4]},WBRI,UN1,,\n"
        f"C3,2,{DOBS[5]},WBRI,UN1,1,01/02/2021\n"
    ),
    "SSDA903_2022_episodes.csv": (
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
        "PL_POST,URN\n"
        # C1: a placement, then a change of legal status only (L: the same placement), then
        # a change of placement (P). The 12 months to 31 Mar 2022 begin 1 Apr 2021, while the
        # first episode ran: placements = 1 (the one at the start) + 0 (L) + 1 (P) = 2.
        f"C1,10/01/2021,S,V2,N1,U1,PR1,01/06/2021,X1,,{POSTCODES[0]},{POSTCODES[1]},SC1\n"
        f"C1,01/06/2021,L,C2,N1,U1,PR1,15/09/2021,X1,,{POSTCODES[0]},{POSTCODES[1]},SC1\n"
        f"C1,15/09/2021,P,C2,N1,U3,PR1,,,CARPL,{POSTCODES[0]},{POSTCODES[2]},SC2\n"
        # C2: the same but the second is a change of placement (P): 1 + 1 + 1 = 3
        "C2,10/01/2021,S,V2,N1,U1,PR1,01/06/2021,X1,,,,SC1\n"
        "C2,01/06/2021,P,V2,N1,U4,PR1,15/09/2021,X1,,,,SC1\n"
        "C2,15/09/2021,P,C2,N1,U3,PR1,,,,,,SC2\n"
        # C3: looked after from Mon 3 May to Fri 20 Aug 2021 only
        "C3,03/05/2021,S,V2,N2,U1,PR1,20/08/2021,E11,,,,SC1\n"
        # C4: ceased on Thu 31 Mar 2022, the month's last day: not looked after at its end
        "C4,01/04/2021,S,C2,N1,U1,PR1,31/03/2022,E13,,,,SC1\n"
        # R1 and R2: started to be looked after on Mon 13 Dec 2021
        "R1,13/12/2021,S,V2,N1,U1,PR1,,,,,,SC1\n"
        "R2,13/12/2021,S,V2,N1,U1,PR1,,,,,,SC1\n"
        # C5: ceased before it began (rule 356); C6: RNE not a code (rule 143); C7: before
        # birth (rule 302). Each is set aside, in no figure.
        "C5,01/05/2021,S,V2,N1,U1,PR1,01/04/2021,X1,,,,SC1\n"
        "C6,01/05/2021,X,V2,N1,U1,PR1,,,,,,SC1\n"
        "C7,01/05/2014,S,V2,N1,U1,PR1,,,,,,SC1\n"
    ),
    "SSDA903_2022_reviews.csv": (
        "CHILD,DOB,REVIEW,REVIEW_CODE\n"
        # C1 and C2 (looked after from 10 Jan 2021): first review 1 Feb 2021 (before the
        # year; the previous review of the second). Second reviews are due 3 months after the
        # first, on 1 May 2021: C1's on 1 May is in time, C2's on 2 May a day late.
        f"C1,{DOBS[0]},01/02/2021,PN1\n"
        f"C1,{DOBS[0]},01/05/2021,PN1\n"
        f"C2,{DOBS[1]},01/02/2021,PN1\n"
        f"C2,{DOBS[1]},02/05/2021,PN1\n"
        # C1's third review is due 6 months after the second, on 1 Nov 2021: held on it
        f"C1,{DOBS[0]},01/11/2021,PN4\n"
        # R1, R2 (from Mon 13 Dec 2021): the first review is due 20 working days later. After
        # 13 Dec: 14-17 Dec (4), 20-24 Dec (5) = 9; Mon 27 and Tue 28 Dec are the Christmas
        # and Boxing Day bank holidays (25, 26 Dec fell at the weekend); 29-31 Dec (3) = 12;
        # Mon 3 Jan is New Year's bank holiday; 4-7 Jan (4) = 16; 10-13 Jan (4) = 20:
        # due Thu 13 Jan 2022 (Mon 10 Jan if bank holidays were counted as working days).
        # R1 on 13 Jan is in time; R2 on 14 Jan is late.
        f"R1,{DOBS[2]},13/01/2022,PN0\n"
        f"R2,{DOBS[3]},14/01/2022,PN0\n"
    ),
    "SSDA903_2022_missing.csv": (
        "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
        # June: C1 missing twice, C2 away without authorisation once
        f"C1,{DOBS[0]},M,05/06/2021,06/06/2021\n"
        f"C1,{DOBS[0]},M,20/06/2021,21/06/2021\n"
        f"C2,{DOBS[1]},A,10/06/2021,10/06/2021\n"
        # July: C3 missing from 30 Jul, back on 2 Aug
        f"C3,{DOBS[5]},M,30/07/2021,02/08/2021\n"
        # C7: missing before birth (rule 586): set aside
        f"C7,{DOBS[4]},M,01/06/2014,02/06/2014\n"
    ),
    "SSDA903_2022_oc3.csv": (
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n"
        "O1,01/03/2004,YES,F1,K1\n"  # in touch, in higher education, suitable (digit 1)
        "O2,02/03/2004,NO,G5,K2\n"  # not in touch, NEET, not suitable (digit 2)
        "O3,03/03/2004,REFU,0,0\n"  # refuses contact; activity and accommodation not known
        "O4,04/03/2004,YES,F9,K1\n"  # F9 is no activity code (rule 132): set aside
    ),
    "SSDA903_2022_sw_episodes.csv": (
        "\ufeffCHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n"
        # C1: three social workers in the 12 months to 31 Mar 2022 (2 changes); C2: one
        f"C1,{DOBS[0]},SWE100001,10/01/2021,31/05/2021,MGRDEC\n"
        f"C1,{DOBS[0]},SWE100002,01/06/2021,31/12/2021,SWLEFT\n"
        f"C1,{DOBS[0]},SWE100003,01/01/2022,,\n"
        f"C2,{DOBS[1]},SWE100001,10/01/2021,,\n"
    ),
}

EXPECTED = {
    # March 2022: C1, C2, R1, R2 looked after at month end (C3 ceased in August, C4 on the
    # month's last day, C5-C7 set aside) = 4
    ("cla_at_month_end", MAR, ALL): 4,
    ("cla_at_month_end", MAR, TEAM): 4,
    # May 2021: C1, C2, C3 (from 3 May), C4 = 4
    ("cla_at_month_end", MAY, ALL): 4,
    # March: C2 has 3 placements, C1 2 (L is no new placement), R1 and R2 1: 1 of 4 = 25 %
    ("cla_3plus_placements_pct", MAR, ALL): 25.0,
    # May: every child has had 1 placement in the 12 months: 0 of 4
    ("cla_3plus_placements_pct", MAY, ALL): 0.0,
    # May: C1 on its due day (in time), C2 the day after (late): 1 of 2
    ("cla_reviews_in_time_pct", MAY, ALL): 50.0,
    # November: C1's third review on its due day, 6 months after the second: 1 of 1
    ("cla_reviews_in_time_pct", NOV, ALL): 100.0,
    # January: R1 on the 20th working day (in time), R2 on the 21st: 1 of 2
    ("cla_reviews_in_time_pct", JAN, ALL): 50.0,
    # Reviews overdue at month end (the last review held by then, from any month's rows or
    # named as the previous review of a later one):
    # April: C1's and C2's last review was their first, on 1 Feb 2021 (named by their May
    # reviews), so the second is due 1 May: not yet. C4 became looked after on Thu 1 Apr
    # 2021: 20 working days later, with Good Friday 2 Apr, Easter Monday 5 Apr and Mon 3 May
    # bank holidays: 6-9 Apr (4), 12-30 Apr (15) = 19, Tue 4 May = 20: due 4 May, not yet.
    ("cla_reviews_overdue", APR, ALL): 0,
    # May: C1 (1 May) and C2 (2 May) held their second reviews; C4's first was due 4 May and
    # is not held: 1. C3 (from the 3 May bank holiday) is due 1 June: not yet.
    ("cla_reviews_overdue", MAY, ALL): 1,
    # December: C2's third review was due 2 Nov 2021 (6 months after 2 May): overdue; C4
    # still has none; C1's third was on 1 Nov (next 1 May 2022); R1, R2 due 13 Jan: 2.
    ("cla_reviews_overdue", DEC, ALL): 2,
    # March: C2 still overdue; C4 ceased on 31 Mar (not looked after at its end); R1 and R2
    # held their first reviews in January (next due 13 and 14 Apr): 1.
    ("cla_reviews_overdue", MAR, ALL): 1,
    # June: C1's two missing episodes (C2 away without authorisation is not one) = 2
    ("cla_missing_episodes", JUN, ALL): 2,
    ("cla_children_missing", JUN, ALL): 1,  # C1, once
    ("cla_missing_episodes", JUL, ALL): 1,  # C3
    # OC3 at 31 March 2022: O1, O2, O3 (O4 set aside): in touch O1 = 1 of 3
    ("care_leavers_in_touch_pct", MAR, ALL): 100 / 3,
    ("care_leavers_suitable_accommodation_pct", MAR, ALL): 100 / 3,  # O1 (K1)
    ("care_leavers_eet_pct", MAR, ALL): 100 / 3,  # O1 (F1)
    # Social worker episodes at 31 March 2022: C1 3 workers, C2 1 = 1 of 2; changes (2 + 0) / 2
    ("cla_3plus_social_workers_pct", MAR, ALL): 50.0,
    ("social_worker_changes_per_child", MAR, ALL): 1.0,
}


def write_tables(folder: Path, tables: dict[str, str] = TABLES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in tables.items():
        paths.append(folder / name)
        paths[-1].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("ssda903")
    inbox = root / "inbox"
    paths = write_tables(inbox)
    db = root / "store" / "csc.duckdb"
    results = load_paths(db, paths, move_to_processed=True)
    return db, results


def test_the_tables_load_together_as_one_set(loaded: tuple[Path, list]) -> None:
    db, results = loaded
    [result] = results
    assert result.status == "loaded", result.report.to_text()
    lines = "\n".join(result.report.lists)
    # 13 episodes read; C5, C6, C7 set aside (one row each)
    assert "Episodes (SSDA903_2022_episodes.csv) → looked_after: 13 rows read, 3 set aside" in lines
    assert "months April 2021 – March 2022" in lines
    oc3 = "OC3 (care leavers) (SSDA903_2022_oc3.csv) → care_leavers: 4 rows read, 1 set aside"
    assert f"{oc3}, months March 2022" in lines
    # Every set-aside record named by table, column, DfE rule and row (header = row 1).
    text = result.report.to_text()
    for rule, column, row in (("356", "DEC", 12), ("143", "RNE", 13), ("302", "DECOM", 14),
                              ("586", "MIS_START", 6), ("132", "ACTIV", 5)):  # fmt: skip
        [finding] = [w for w in result.report.warnings if w.check == f"ssda903_rule_{rule}"]
        assert finding.column == column and finding.example_rows == [row], finding
        assert f"DfE rule {rule}" in text
    # The files held personal data: deleted from the inbox, none kept, only the report.
    assert not any((db.parent.parent / "inbox").iterdir())
    assert result.not_kept and "personal data" in result.not_kept


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]:%b}-{k[2][:5]}")
def test_kpi_value_matches_the_hand_count(loaded: tuple[Path, list], key: tuple) -> None:
    db, _ = loaded
    kpi, month, team = key
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, (key, frame)
    got, expected = frame["value"].iloc[0], EXPECTED[key]
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


def test_the_rows_behind_show_each_childs_placements_and_due_dates(
    loaded: tuple[Path, list],
) -> None:
    db, _ = loaded
    rows = api.kpi_rows(db, "cla_3plus_placements_pct", MAR)
    placements = dict(zip(rows["child_id"], rows["placements_12m"], strict=True))
    assert placements == {"C1": 2, "C2": 3, "R1": 1, "R2": 1}
    rows = api.kpi_rows(db, "cla_reviews_in_time_pct", JAN)
    due = {c: str(d)[:10] for c, d in zip(rows["child_id"], rows["review_due_date"], strict=True)}
    assert due == {"R1": "2022-01-13", "R2": "2022-01-13"}


def test_nothing_personal_is_kept_anywhere(loaded: tuple[Path, list], tmp_path: Path) -> None:
    """Every byte of the store, its snapshot and the kept reports, and of the staged rows a
    check of the same tables leaves waiting to be written."""
    db, _ = loaded
    iso = [f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in DOBS]
    needles = [s.encode() for s in (*DOBS, *iso, *UPNS, *POSTCODES, "SWE100001")]
    check = check_ssda903([(p.name, p) for p in write_tables(tmp_path / "again")])
    try:
        assert check.accepted and check.stage is not None
        staged = [p for p in check.stage.rglob("*") if p.is_file()]
        assert any(p.suffix == ".parquet" for p in staged)
        places = [p for p in db.parent.rglob("*") if p.is_file()] + staged
        assert any(p.suffix == ".duckdb" for p in places)
        assert any(p.name.endswith(".report.json") for p in places)
        for path in places:
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, (path, needle)
    finally:
        check.discard()


def test_the_area_page_shows_the_hand_counted_figures(loaded: tuple[Path, list]) -> None:
    """The children looked after page, drawn by the app on the loaded set (March 2022)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import app_reads

    db, _ = loaded
    with app_reads(db):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page("app_pages/looked_after.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Children in care with 3+ placements — Whole council"] == "25.0%"  # 1 of 4
    assert shown["Children looked after (CLA) — Whole council"] == "4"
    assert any(m.value == api.how_calculated("cla_reviews_in_time_pct") for m in at.markdown)


#: One month's looked_after return (March 2022) whose children change placement, carer and
#: legal status in every way the SSDA903 codes allow; the 12 months run from 1 Apr 2021.
RNE_MONTH = (
    "child_id,team,episode_start,episode_end,reason_new_episode,legal_status,placement_type\n"
    # X: the placement running on 1 Apr 2021 (S) = 1; T, a new placement and carer with a
    # new legal status = 2; U, a new placement with the same carer = no move; B, a new legal
    # status and placement with the same carer = no move; P, a new placement and carer = 3.
    "X,CIC,2021-01-01,2021-05-01,S,V2,U1\n"
    "X,CIC,2021-05-01,2021-07-01,T,C2,U4\n"
    "X,CIC,2021-07-01,2021-09-01,U,C2,U5\n"
    "X,CIC,2021-09-01,2021-11-01,B,C1,A4\n"
    "X,CIC,2021-11-01,,P,C1,U3\n"
    # Y: the placement running on 1 Apr 2021 = 1; L, a new legal status only = no move: 1.
    "Y,CIC,2021-01-01,2021-05-01,S,V2,U1\n"
    "Y,CIC,2021-05-01,,L,C2,U1\n"
    # W: the episode running on 1 Apr 2021 began with U (its S ended before the 12 months
    # and is not sent): still the placement the child was in = 1; P = 2.
    "W,CIC,2021-02-01,2021-10-01,U,C2,U5\n"
    "W,CIC,2021-10-01,,P,C2,U3\n"
)


def test_only_a_change_of_carer_is_a_new_placement(tmp_path: Path) -> None:
    """RNE L (legal status only), U and B (the same carer) are no placement move; S, P and
    T are: X has 3 placements, Y 1, W 2, so 1 of the 3 has 3 or more (33.3 %)."""
    path = tmp_path / "looked_after_2022-03.csv"
    path.write_text(RNE_MONTH, encoding="utf-8")
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [path])
    assert result.status == "loaded", result.report.to_text()
    rows = api.kpi_rows(db, "cla_3plus_placements_pct", MAR)
    placements = dict(zip(rows["child_id"], rows["placements_12m"], strict=True))
    assert placements == {"X": 3, "Y": 1, "W": 2}
    frame = api.kpi_values(db, ["cla_3plus_placements_pct"], months=[MAR], teams=[ALL])
    assert frame["value"].iloc[0] == pytest.approx(100 / 3)
