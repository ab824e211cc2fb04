"""The DfE explore-education-statistics importer, on small hand-made files in the official layout.

Suppressed cells (``c``, ``x``, ``z``, ``:``, ``low`` …) must load as missing with their
symbol kept: never as 0, never as a failed import. Files are loaded into real DuckDB stores in
temporary folders.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etl.sources.ees.convert import EesFileError, convert, load_mapping
from etl.sources.ees.importer import import_ees
from etl.write import store
from metrics import api
from tests.conftest import REAL_FORMATS as REAL

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name"
)
NE = "E92000001,England,E12000001,North East"
LA = f"2021,Reporting year,Local authority,{NE}"
# Table C4 layout (Children in need): the DfE publishes duration bands, not the percentage.
C4 = f"""{LAYOUT},ICPC,Duration_0-10_days,Duration_11-15_days,Duration_16-20_days,Duration_21+_days
2021,Reporting year,National,E92000001,England,,,,,,1000,100,700,100,100
2021,Reporting year,Regional,E92000001,England,E12000001,North East,,,,200,20,130,x,30
{LA},901,E06099901,Eastholm,40,c,30,5,5
{LA},902,E06099902,Westmarsh,50,10,30,z,:
{LA},903,E06099903,Kirkwold,40,8,24,4,4
2021,Reporting year,Local authority district,{NE},,E07099999,Somewhere,1,1,0,0,0
"""
# Workforce headline-measures layout: the figures are published ready-made.
CSWW = f"""{LAYOUT},caseload_fte,agency_rate_fte,turnover_rate_fte
2020,Reporting year,National,E92000001,England,,,,,,16.3,15.4,15.1
2021,Reporting year,National,E92000001,England,,,,,,16.6,15.5,15.4
{LA},901,E06099901,Eastholm,"17.5",low,12
{LA},902,E06099902,Westmarsh,[c],[x],c
{LA},903,,Kirkwold,0,0,0
"""


def _values(frame, indicator: str) -> dict[tuple[str, str], str]:
    rows = frame[frame["indicator"] == indicator]
    return {(r.area_code, r.period): r.value for r in rows.itertuples()}


def test_c4_bands_become_the_within_15_days_percentage_and_suppressed_cells_keep_symbols() -> None:
    result = convert(C4.encode())
    assert result.indicators == ["icpc_within_15wd_pct"]
    assert result.table.startswith("Children in need, table C4")
    got = _values(result.frame, "icpc_within_15wd_pct")
    # England: (100 + 700) / (100 + 700 + 100 + 100) = 800 / 1000 = 80 %.
    # Kirkwold: (8 + 24) / (8 + 24 + 4 + 4) = 32 / 40 = 80 %.
    # North East: the 16-20 band is "x", so the published ICPC total is the denominator:
    #   (20 + 130) / 200 = 75 %. Westmarsh ("z" and ":" bands): (10 + 30) / 50 = 80 %.
    # Eastholm's 0-10 band is "c": the numerator is unknown, so no figure — blank, not 0.
    assert got == {
        ("E92000001", "2020-21"): "80.0",
        ("E12000001", "2020-21"): "75.0",
        ("E06099901", "2020-21"): "",
        ("E06099902", "2020-21"): "80.0",
        ("E06099903", "2020-21"): "80.0",
    }
    symbols = dict(zip(result.frame["area_code"], result.frame["symbol"], strict=True))
    assert symbols["E06099901"] == "c" and symbols["E06099903"] == ""
    sources = dict(zip(result.frame["area_code"], result.frame["source"], strict=True))
    assert "ICPC total used as the denominator" in sources["E12000001"]
    assert "total" not in sources["E06099903"]
    assert result.via_total == {"icpc_within_15wd_pct": 2}
    # The census year 2021 ends on 31 March 2021 and is labelled as the DfE labels it.
    assert set(result.frame["period_end"]) == {"2021-03-31"}
    assert set(result.frame["area_type"]) == {"ENGLAND", "REGION", "LA"}
    assert dict(result.symbols) == {"c": 1}
    assert result.skipped_levels == {"Local authority district": 1}
    assert "1 figure(s) not published, kept as the DfE's symbol ('c' × 1)" in result.summary()
    assert "2 figure(s) use the published total as the denominator" in result.summary()


def test_calderdale_2024_25_icpc_uses_the_published_total_in_the_real_c4_file() -> None:
    real = REAL / "dfe-cscoe__c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"
    if not real.exists():
        pytest.skip("real-format files not available")
    frame = convert(real.read_bytes()).frame
    la = frame[(frame["area_type"] == "LA") & (frame["period"] == "2024-25")]
    calderdale = la[la["old_la_code"] == "381"].iloc[0]
    # Calderdale 2024-25: bands 28, 339, c, c; ICPC total 376. (28 + 339) / 376 = 97.6 %.
    assert round(float(calderdale["value"]), 1) == 97.6
    assert "ICPC total used as the denominator" in calderdale["source"]
    # Before: 20 of 153 councils had a band suppressed, so no figure. The ICPC total gives 10
    # of them back; the other 10 have a suppressed within-15-days band (the numerator).
    assert len(la) == 153 and (la["value"] == "").sum() == 10
    assert set(la.loc[la["value"] == "", "symbol"]) == {"c"}


def test_workforce_columns_are_taken_as_published_with_bracketed_symbols_kept() -> None:
    result = convert(CSWW.encode())
    assert result.indicators == [
        "caseload_avg_per_fte",
        "agency_worker_pct",
        "workforce_turnover_pct",
    ]
    caseload = _values(result.frame, "caseload_avg_per_fte")
    agency = _values(result.frame, "agency_worker_pct")
    assert caseload[("E92000001", "2020")] == "16.3"
    assert caseload[("E06099901", "2021")] == "17.5"
    assert caseload[("E06099902", "2021")] == ""  # [c]
    assert agency[("E06099901", "2021")] == ""  # low
    assert agency[("E06099902", "2021")] == ""  # [x]
    # A real zero stays zero, and a council with no new code keeps its old one.
    assert caseload[("903", "2021")] == "0.0"
    assert set(result.frame["period_end"]) == {"2020-09-30", "2021-09-30"}
    # One figure per indicator and area: c (caseload), low and x (agency), c (turnover).
    assert dict(result.symbols) == {"c": 2, "x": 1, "low": 1}
    # This small file has no vacancy column: that indicator is named, not skipped in silence;
    # turnover is mapped before its KPI is declared, so it is stored and said so.
    assert (
        "workforce_vacancy_pct: no column vacancy_rate_fte or vacancy_rate_fte_% in this file"
        in (result.summary())
    )
    assert "workforce_turnover_pct: no KPI declared yet" in result.summary()


def test_an_older_workforce_file_spelling_agency_differently_still_gives_agency() -> None:
    old = CSWW.replace("agency_rate_fte", "agency_worker_rate_fte_%")
    agency = _values(convert(old.encode()).frame, "agency_worker_pct")
    assert agency[("E92000001", "2020")] == "15.4"
    # Neither spelling: the agency figure is reported missing by name.
    gone = convert(CSWW.replace("agency_rate_fte", "agency_other").encode())
    assert "agency_worker_pct" not in gone.indicators
    assert (
        "agency_worker_pct: no column agency_rate_fte or agency_worker_rate_fte_% in this file"
        in gone.summary()
    )


def test_six_digit_time_period_is_a_financial_year() -> None:
    data = C4.replace("\n2021,", "\n202021,").encode()
    frame = convert(data).frame
    assert set(frame["period"]) == {"2020-21"} and set(frame["period_end"]) == {"2021-03-31"}


def test_a_file_that_is_not_ees_or_has_no_mapped_indicator_is_refused_clearly() -> None:
    with pytest.raises(EesFileError, match="Not an explore education statistics file"):
        convert(b"child_id,team\nC1,North\n")
    with pytest.raises(EesFileError, match="None of the tables in config/ees_indicators"):
        convert(
            f"{LAYOUT},something_else\n2021,Reporting year,National,E92000001,,,,,,,1\n".encode()
        )


def test_mapping_names_declared_kpis_in_their_units() -> None:
    # KPIs not declared yet (re-referrals, care leavers, ...) are mapped ahead of time.
    declared = {k.id for k in api.all_kpis()}
    for indicator in load_mapping().indicators:
        if indicator.kpi in declared:
            assert api.kpi(indicator.kpi).unit == indicator.unit


def test_import_loads_through_the_checked_path_and_a_reload_replaces(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    path = tmp_path / "c4_2021.csv"
    path.write_text(C4)
    conversion, result = import_ees(db, path)
    assert result.status == "loaded" and len(conversion.frame) == 5
    con = store.open_reader(db)
    try:
        stored = dict(
            con.execute(
                "SELECT area_code, value FROM benchmarks WHERE indicator = 'icpc_within_15wd_pct'"
            ).fetchall()
        )
        logged = con.execute(
            "SELECT return_type, status FROM load_log ORDER BY load_id DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert stored["E92000001"] == 80.0
    assert stored["E06099901"] is None  # suppressed: NULL in the store, not 0
    assert logged == ("benchmarks", "loaded")

    # The same file again changes nothing; a corrected file replaces that indicator × year.
    assert import_ees(db, path)[1].status == "unchanged"
    path.write_text(C4.replace(",1000,100,700,100,100", ",1000,100,650,150,100"))
    assert import_ees(db, path)[1].status == "replaced"
    con = store.open_reader(db)
    try:
        rows = con.execute(
            "SELECT count(*), max(value) FILTER (WHERE area_type = 'ENGLAND') FROM benchmarks"
        ).fetchone()
    finally:
        con.close()
    # England now (100 + 650) / 1000 = 75 %; still one row per area.
    assert rows == (5, 75.0)


def test_a_second_table_adds_its_indicators_and_says_so(tmp_path: Path) -> None:
    """Benchmarks are replaced by indicator and period, so the workforce table after C4 adds
    its rows and keeps C4's; the message says that, not "replaced 5 → 9 rows"."""
    db = tmp_path / "csc.duckdb"
    c4, csww = tmp_path / "c4_2021.csv", tmp_path / "csww_2021.csv"
    c4.write_text(C4)
    csww.write_text(CSWW)
    assert import_ees(db, c4)[1].status == "loaded"
    conversion, result = import_ees(db, csww)
    rows = len(conversion.frame)
    assert result.message == (
        f"Added Benchmarks: {rows:,} rows, replacing any stored rows with the same indicator "
        "and period (the table held 5 rows)."
    )
    con = store.open_reader(db)
    try:
        kept = con.execute(
            "SELECT count(*) FROM benchmarks WHERE indicator = 'icpc_within_15wd_pct'"
        ).fetchone()[0]
    finally:
        con.close()
    assert kept == 5  # C4's five areas are still there


def test_cli_import_ees(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    good = tmp_path / "csww.csv"
    good.write_text(CSWW)
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")

    def run(path: Path) -> subprocess.CompletedProcess:
        args = [sys.executable, "-m", "etl", "import-ees", str(path), "--db", str(db)]
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)

    ok = run(good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "4 figure(s) not published" in ok.stdout and "loaded" in ok.stdout
    refused = run(bad)
    assert refused.returncode == 1
    assert "Not an explore education statistics file" in refused.stderr
