"""Child protection plans, from a children in need census and a monthly return, by hand.

The census's ``ChildProtectionPlans`` blocks fill the cp_plans return month by month over
its year (Year 2022: April 2021 – March 2022); a council sending the return monthly gives the
same rows. Each expected figure has its arithmetic beside it; the DfE's published shares
(tables D3 and D7) are mapped in ``config/ees_indicators.yaml``.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from etl.write.load import load_paths
from metrics import api
from tests.census_xml import Episode, child, cin_census, write

ALL = "ALL"
MAY, JUN, APR22 = date(2021, 5, 1), date(2021, 6, 1), date(2022, 4, 1)


def _plan(start: str, end: str = "", previous: int = 0) -> str:
    ended = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{ended}"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
        f"</LatestCategoryOfAbuse><NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
        "<Reviews><CPPreviewDate>2021-06-01</CPPreviewDate></Reviews></ChildProtectionPlans>"
    )


CENSUS = [
    # Ended in May 2021: P1's plan from Fri 10 May 2019 ended Mon 10 May 2021, two years to
    # the day (2 years or more); P2's ended Sun 9 May 2021, a day short.
    child("P1", Episode("2019-04-01", extra=_plan("2019-05-10", "2021-05-10"))),
    child("P2", Episode("2019-04-01", extra=_plan("2019-05-10", "2021-05-09"))),
    # Started in May 2021: P3's is a second plan (1 before), P4's a first.
    child("P3", Episode("2021-05-01", extra=_plan("2021-05-20", previous=1))),
    child("P4", Episode("2021-05-01", extra=_plan("2021-05-25"))),
    # P5's plan ends before it starts: the episode is set aside, in no figure (a third
    # plan started in May would otherwise make the share 2 of 3).
    child("P5", Episode("2021-05-01", extra=_plan("2021-05-03", "2021-04-30", previous=2))),
]

#: April 2022, sent as a monthly return by a team (after the census year).
MONTHLY = (
    "child_id,team,plan_start_date,plan_end_date,previous_plans\n"
    # Started in April: Q2's is a fourth plan (3 before), Q1's and Q3's first plans.
    "Q1,Safeguarding 1,04/04/2022,,0\n"
    "Q2,Safeguarding 1,11/04/2022,,3\n"
    "Q3,Safeguarding 1,19/04/2022,,0\n"
    # Ended in April: Q4's from 30 Apr 2020 ended 29 Apr 2022, a day short of two years;
    # Q5's from 1 Apr 2020 ended 1 Apr 2022, two years to the day.
    "Q4,Safeguarding 1,30/04/2020,29/04/2022,0\n"
    "Q5,Safeguarding 1,01/04/2020,01/04/2022,1\n"
    # Open all month, begun before it: in neither figure.
    "Q6,Safeguarding 1,01/03/2022,,0\n"
)

EXPECTED = {
    # May 2021: P1 two years to the day, P2 a day short: 1 of 2
    ("cp_plans_2plus_years_pct", MAY, ALL): 50.0,
    # May 2021: P3 second, P4 first (P5 set aside): 1 of 2
    ("cp_plan_second_or_subsequent_pct", MAY, ALL): 50.0,
    # June 2021: no plan started or ended: no data, not 0 %
    ("cp_plan_second_or_subsequent_pct", JUN, ALL): math.nan,
    ("cp_plans_2plus_years_pct", JUN, ALL): math.nan,
    # April 2022: Q2 of Q1-Q3 = 1 of 3; ended: Q5 of Q4, Q5 = 1 of 2
    ("cp_plan_second_or_subsequent_pct", APR22, ALL): 100 / 3,
    ("cp_plans_2plus_years_pct", APR22, "Safeguarding 1"): 50.0,
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("cp_plans")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSC_PSEUDONYM_KEY", str(root / "keys" / "pseudonym.key"))
        census = write(root / "cin_census_2022.xml", cin_census(CENSUS))
        monthly = root / "cp_plans_2022-04.csv"
        monthly.write_text(MONTHLY, encoding="utf-8")
        db = root / "csc.duckdb"
        return db, load_paths(db, [census, monthly])


def test_the_census_and_a_monthly_return_both_load(loaded: tuple[Path, list]) -> None:
    _, results = loaded
    assert [r.status for r in results] == ["loaded", "loaded"], [
        r.report.to_text() for r in results
    ]
    census = results[0]
    assert "Child protection plans, April 2021 – March 2022: 12 month(s)" in census.message
    said = "CPPendDate is before CPPstartDate: 1 episode(s) set aside and not counted — child P5"
    assert said in census.report.to_text()


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]:%b%y}-{k[2][:5]}")
def test_kpi_value_matches_the_hand_count(loaded: tuple[Path, list], key: tuple) -> None:
    db, _ = loaded
    kpi, month, team = key
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, (key, frame)
    got, expected = frame["value"].iloc[0], EXPECTED[key]
    if math.isnan(expected):
        assert math.isnan(got), "a month with no plan started or ended has no data, not 0"
    else:
        assert got == pytest.approx(expected)


def test_the_plans_are_on_the_child_protection_page_and_compared_with_the_dfe() -> None:
    """The declarations put them on the child protection area's page (no page edit), and the
    DfE's tables D3 and D7 give their published comparisons."""
    from etl.sources.ees.convert import load_mapping

    [area] = [a for a in api.areas() if a.id == "icpc"]
    listed = {k if isinstance(k, str) else k.id for k in area.kpis}
    assert {"cp_plan_second_or_subsequent_pct", "cp_plans_2plus_years_pct"} <= listed
    mapped = {i.kpi for i in load_mapping().indicators}
    assert {"cp_plan_second_or_subsequent_pct", "cp_plans_2plus_years_pct"} <= mapped
