"""Child protection reviews in time, from a census, a monthly return and SSD tables, by hand.

Working Together to Safeguard Children (2018, 2023): the first review conference within 3
months of the initial conference (the plan's start), then at intervals of not more than 6
months. A review on its due day is in time, the day after is not. The due date is worked
out from the plan's start or the previous review, never taken from the source's own due date,
so a system that says a late review was due later does not make it in time. Each expected
figure has its arithmetic beside it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl.sources.ssd.fill import FILLS
from etl.write.load import load_paths
from metrics import api
from tests.census_xml import Episode, child, cin_census, write
from tests.test_ssd import extract, write_extract

ALL = "ALL"
AUG19, FEB20 = date(2019, 8, 1), date(2020, 2, 1)
JAN21, JUL21, AUG21 = date(2021, 1, 1), date(2021, 7, 1), date(2021, 8, 1)
OCT21, MAY22 = date(2021, 10, 1), date(2022, 5, 1)


def _plan_with_reviews(start: str, *reviews: str) -> str:
    held = "".join(f"<CPPreviewDate>{day}</CPPreviewDate>" for day in reviews)
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
        "</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        f"<Reviews>{held}</Reviews></ChildProtectionPlans>"
    )


#: The census of Year 2020 (April 2019 – March 2020). Plans begun Tue 14 May 2019: first
#: reviews due Wed 14 Aug 2019 (3 months on). K1's on the day, in time, then on Fri 14 Feb
#: 2020, 6 months after it: in time (its reviews are written newest first; they are put in
#: order). K2's on Fri 16 Aug, late; its second, due Sun 16 Feb 2020, on Mon 17 Feb, the day
#: after: late. K3's review is dated before its plan began: the episode is set aside.
CENSUS = [
    child(
        "K1",
        Episode("2019-04-01", extra=_plan_with_reviews("2019-05-14", "2020-02-14", "2019-08-14")),
    ),
    child(
        "K2",
        Episode("2019-04-01", extra=_plan_with_reviews("2019-05-14", "2019-08-16", "2020-02-17")),
    ),
    child("K3", Episode("2019-04-01", extra=_plan_with_reviews("2019-05-14", "2019-05-13"))),
]

#: May 2022, sent as a monthly return with the headings a council's system gives.
MONTHLY = (
    "child_id,team,CPP Start Date,Date of Review,Review Due Date,Previous Review Date,Review No\n"
    # First reviews of plans begun Wed 16 Feb 2022: due 16 May (3 months on). A's on the
    # day: in time; B's on 17 May, a day after: late.
    "A,Safeguarding 1,16/02/2022,16/05/2022,16/05/2022,,1\n"
    "B,Safeguarding 1,16/02/2022,17/05/2022,16/05/2022,,1\n"
    # Third reviews after one on Thu 18 Nov 2021: due 18 May 2022 (6 months on). C's on the
    # day: in time. D's on 19 May is a day late, though the system says due 20 May.
    "C,Safeguarding 1,03/05/2021,18/05/2022,18/05/2022,18/11/2021,3\n"
    "D,Safeguarding 1,03/05/2021,19/05/2022,20/05/2022,18/11/2021,3\n"
)


def _plan(plan: str, child: str, start: str) -> dict[str, str]:
    return {
        "cppl_cp_plan_id": plan,
        "cppl_person_id": child,
        "cppl_cp_plan_start_date": start,
        "cppl_cp_plan_end_date": "",
    }


def _review(n: int, plan: str, held: str, due: str) -> dict[str, str]:
    return {
        "cppr_cp_review_id": str(n),
        "cppr_cp_plan_id": plan,
        "cppr_cp_review_due": due,
        "cppr_cp_review_date": held,
    }


#: An SSD extract of 1 December 2021: it fills December 2020 – November 2021.
SSD_TABLES = {
    "ssd_cp_plans": [
        _plan("P1", "S1", "2021-07-05"),
        _plan("P2", "S2", "2021-07-05"),
        _plan("P3", "S3", "2020-10-20"),
        _plan("P4", "S4", "2020-10-20"),
        _plan("P5", "S5", "2021-07-31"),
    ],
    # cppr_cp_review_due as the system records it: P2's says 8 October, later than the
    # statutory 5 October; the figure goes by the statutory date.
    "ssd_cp_reviews": [
        # First reviews of plans begun Mon 5 Jul 2021: due Tue 5 Oct. S1 on the day: in
        # time; S2 on 6 October, a day after: late.
        _review(1, "P1", "2021-10-05 00:00:00.000", "2021-10-05 00:00:00.000"),
        _review(2, "P2", "2021-10-06 00:00:00.000", "2021-10-08 00:00:00.000"),
        # Plans begun Tue 20 Oct 2020: first reviews on Fri 15 Jan 2021, before 20 January
        # (3 months on): both in time. Second reviews due Thu 15 Jul 2021 (6 months after
        # the first): S3's on the day, in time; S4's on 16 July, a day after: late.
        _review(3, "P3", "2021-01-15", "2021-01-20"),
        _review(4, "P4", "2021-01-15", "2021-01-20"),
        _review(5, "P3", "2021-07-15", "2021-07-15"),
        _review(6, "P4", "2021-07-16", "2021-07-15"),
        # A plan begun Sat 31 Jul 2021: 3 months on is 31 October, so a first review on Fri
        # 29 October is in time (no due date recorded).
        _review(7, "P5", "2021-10-29", ""),
    ],
}

EXPECTED = {
    # August 2019 (census): K1 on its due day, K2 two days after: 1 of 2
    ("cp_reviews_in_time_pct", AUG19, ALL): 50.0,
    # February 2020 (census): K1 on its due day, K2 the day after its: 1 of 2
    ("cp_reviews_in_time_pct", FEB20, ALL): 50.0,
    # May 2022 (monthly): A and C on their due days, B and D a day after: 2 of 4
    ("cp_reviews_in_time_pct", MAY22, "Safeguarding 1"): 50.0,
    ("cp_reviews_in_time_pct", MAY22, ALL): 50.0,
    # January 2021 (SSD): S3 and S4 both before 20 January: 2 of 2
    ("cp_reviews_in_time_pct", JAN21, ALL): 100.0,
    # July 2021 (SSD): S3 on 15 July (due that day), S4 on the 16th: 1 of 2
    ("cp_reviews_in_time_pct", JUL21, ALL): 50.0,
    # October 2021 (SSD): S1 on 5 October (due that day), S5 on 29 October (due 31st) in
    # time; S2 on 6 October late, whatever the system's 8 October says: 2 of 3
    ("cp_reviews_in_time_pct", OCT21, ALL): 200 / 3,
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("cp_reviews")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSC_PSEUDONYM_KEY", str(root / "keys" / "pseudonym.key"))
        db = root / "csc.duckdb"
        ssd = write_extract(root / "ssd", SSD_TABLES)
        monthly = root / "cp_reviews_2022-05.csv"
        monthly.write_text(MONTHLY, encoding="utf-8")
        census = write(root / "cin_census_2020.xml", cin_census(CENSUS, 2020, "2020-03-31"))
        results = load_paths(db, ssd, as_at=date(2021, 12, 1))
        return db, results + load_paths(db, [monthly, census])


def test_the_ssd_extract_a_monthly_return_and_a_census_all_load(
    loaded: tuple[Path, list],
) -> None:
    _, results = loaded
    assert [r.status for r in results] == ["loaded"] * 3, [r.report.to_text() for r in results]
    assert "Child protection reviews: December 2020 – November 2021" in "\n".join(
        results[0].report.lists
    )
    census = results[2]
    # K1's and K2's two reviews each; K3's episode set aside.
    assert "cp_reviews: 4 rows read, months April 2019 – March 2020" in census.report.lists
    said = "CPPreviewDate is before CPPstartDate: 1 episode(s) set aside and not counted — child K3"
    assert said in census.report.to_text()


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]:%b%y}-{k[2][:5]}")
def test_kpi_value_matches_the_hand_count(loaded: tuple[Path, list], key: tuple) -> None:
    db, _ = loaded
    kpi, month, team = key
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, (key, frame)
    assert frame["value"].iloc[0] == pytest.approx(EXPECTED[key])


def test_a_month_with_no_review_held_has_no_figure(loaded: tuple[Path, list]) -> None:
    """August 2021, within the extract's months, held no review: no data, never 0 %."""
    db, _ = loaded
    frame = api.kpi_values(db, ["cp_reviews_in_time_pct"], months=[AUG21], teams=[ALL])
    assert frame.empty or frame["value"].isna().all()


def test_the_rows_behind_give_the_statutory_and_the_systems_due_dates(
    loaded: tuple[Path, list],
) -> None:
    db, _ = loaded
    rows = api.kpi_rows(db, "cp_reviews_in_time_pct", OCT21).set_index("child_id")
    as_text = {c: str(d)[:10] for c, d in rows["statutory_due_date"].items()}
    assert as_text == {"S1": "2021-10-05", "S2": "2021-10-05", "S5": "2021-10-31"}
    assert str(rows.loc["S2", "due_date"])[:10] == "2021-10-08"
    assert not rows.loc["S2", "review_in_time"]


def test_the_census_numbers_each_plans_reviews_in_date_order(loaded: tuple[Path, list]) -> None:
    db, _ = loaded
    rows = api.kpi_rows(db, "cp_reviews_in_time_pct", FEB20).set_index("child_id")
    before = {c: str(d)[:10] for c, d in rows["previous_review_date"].items()}
    assert before == {"K1": "2019-08-14", "K2": "2019-08-16"}
    assert set(rows["review_number"]) == {2}
    due = {c: str(d)[:10] for c, d in rows["statutory_due_date"].items()}
    assert due == {"K1": "2020-02-14", "K2": "2020-02-16"}


def test_the_ssd_numbers_each_plans_reviews_with_the_one_before() -> None:
    rows = FILLS["cp_reviews"](extract(SSD_TABLES, [JUL21]))[JUL21].set_index("child_id")
    # S3's and S4's second reviews, after their first on 15 January; no involvement, so no
    # team is recorded.
    assert rows[["plan_start_date", "previous_review_date", "review_number"]].to_dict("index") == {
        "S3": {
            "plan_start_date": "2020-10-20",
            "previous_review_date": "2021-01-15",
            "review_number": "2",
        },
        "S4": {
            "plan_start_date": "2020-10-20",
            "previous_review_date": "2021-01-15",
            "review_number": "2",
        },
    }
    assert set(rows["due_date"]) == {"2021-07-15"}


def test_reviews_are_on_the_child_protection_page() -> None:
    [area] = [a for a in api.areas() if a.id == "icpc"]
    listed = {k if isinstance(k, str) else k.id for k in area.kpis}
    assert "cp_reviews_in_time_pct" in listed
