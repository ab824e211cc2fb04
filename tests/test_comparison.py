"""How the council compares: benchmark lines, the neighbour mean, the council's rank.

A small real store: two months of a hand-made caseloads return and a hand-made benchmarks
file, loaded through the real path. Every expected figure is worked out by hand below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from etl.write.load import load_paths
from metrics import comparison
from metrics.config import DEFAULT_CONFIG, load_config

KPI = "caseload_avg_per_fte"
# Three workers: caseloads 20 + 9 + 13 = 42 children over FTE 1 + 0.5 + 1 = 2.5,
# so the council's average caseload per FTE is 42 / 2.5 = 16.8.
CASELOADS = """worker_id,team,role,fte,agency,caseload
W1,North,QSW,1,N,20
W2,North,QSW,0.5,Y,9
W3,South,ASYE,1,N,13
"""
SRC = "Test figures"
HEADER = (
    "indicator,period,period_end,area_type,area_code,area_name,value,unit,source,illustrative,"
    "old_la_code,symbol"
)
BENCHMARKS = f"""{HEADER}
{KPI},2019,2019-09-30,england,E92000001,England,16.9,number,{SRC},N,,
{KPI},2020,2020-09-30,england,E92000001,England,16.3,number,{SRC},N,,
{KPI},2019,2019-09-30,region,E12000001,North East,17.0,number,{SRC},Y,,
{KPI},2020,2020-09-30,region,E12000001,North East,16.5,number,{SRC},Y,,
{KPI},2020,2020-09-30,region,E12000002,North West,99.0,number,{SRC},Y,,
{KPI},2019,2019-09-30,la,E06000001,Aford,18,number,{SRC},N,801,
{KPI},2019,2019-09-30,la,E06000002,Bford,20,number,{SRC},N,802,
{KPI},2019,2019-09-30,la,E06000003,Cford,22,number,{SRC},N,803,
{KPI},2020,2020-09-30,la,E06000001,Aford,15,number,{SRC},N,801,
{KPI},2020,2020-09-30,la,E06000002,Bford,,number,{SRC},N,802,c
{KPI},2020,2020-09-30,la,E06000003,Cford,19,number,{SRC},N,803,
{KPI},2020,2020-09-30,la,E06000009,Not a neighbour,40,number,{SRC},N,809,
{KPI},2020,2020-09-30,la,E06099999,Ourselves,1,number,{SRC},N,899,
{KPI},2020,2020-09-30,la,E06000008,Made up,2,number,{SRC},Y,,
agency_worker_pct,2020,2020-09-30,england,E92000001,England,15.4,percent,{SRC},N,,
"""


BFORD = (
    "2020: no figure for Bford (c — suppressed to protect confidentiality), so the neighbour mean "
    "is of 2 not 3."
)


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("comparison")
    files = []
    header, *rows = CASELOADS.strip().splitlines()
    for month, order in (("2019-08", rows), ("2021-05", rows[::-1])):
        # The same figures both months, listed in another order: the very same bytes twice
        # would be refused as one month's file sent under another month's name.
        path = folder / f"caseloads_{month}.csv"
        path.write_text("\n".join([header, *order]) + "\n")
        files.append(path)
    bench = folder / "benchmarks_test.csv"
    bench.write_text(BENCHMARKS)
    db = folder / "csc.duckdb"
    results = load_paths(db, [*files, bench])
    assert all(r.ok for r in results), [r.report.to_text() for r in results]
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["la_code_new"] = "E06099999"
    raw["region_code"] = "E12000001"
    raw["la_code"] = "899"
    raw["statistical_neighbours"] = [
        {"name": "Aford", "la_code": "801"},  # DfE LA number, as import-neighbours writes
        {"name": "Bford", "la_code": "802"},
        {"name": "Cford", "la_code_new": "E06000003"},  # or ONS code, as typed by hand
        {"name": "Ourselves", "la_code": "899"},  # the council never counts itself
    ]
    config_path = folder / "council.yaml"
    config_path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return db, load_config(config_path)


def test_lines_and_the_neighbour_mean_leaving_out_a_neighbour_with_no_figure(setting) -> None:
    db, config = setting
    bench = comparison.benchmarks(db, KPI, config)
    series = bench.series
    # 2019: (18 + 20 + 22) / 3 = 20. 2020: Bford has no figure, so (15 + 19) / 2 = 17.
    # "Not a neighbour" (40), the council's own row (1) and the North West never count.
    name = "Statistical neighbours (mean of 2–3)"
    assert list(series["line"].unique()) == ["England", "North East", name]
    neighbours = series[series["line"] == name]
    assert list(neighbours["value"]) == [20.0, 17.0]
    assert list(neighbours["used"]) == [3, 2]
    assert list(series[series["line"] == "North East"]["value"]) == [17.0, 16.5]
    assert bench.notes == (BFORD,)
    # Each neighbour's own figure for 2020, in words: Bford's is the DfE's symbol and meaning.
    figures = bench.neighbour_values[bench.neighbour_values["period"] == "2020"]
    assert dict(zip(figures["name"], figures["figure"], strict=True)) == {
        "Aford": "15.0",
        "Bford": "c — suppressed to protect confidentiality",
        "Cford": "19.0",
    }
    # Each annual figure covers the year that ends on its period end.
    first = series.iloc[0]
    assert (first["period_start"], first["period_end"]) == (date(2018, 10, 1), date(2019, 9, 30))


def test_council_latest_against_england_region_neighbours_and_rank(setting) -> None:
    db, config = setting
    result = comparison.compare(db, KPI, date(2021, 5, 1), config)
    assert result is not None and result.council_value == pytest.approx(16.8)
    by_type = {v.area_type: v for v in result.versus}
    # May 2021 is compared with the latest figures published by then: 2020 (30 Sept 2020).
    assert {v.period for v in result.versus} == {"2020"}
    # 16.8 - 16.3 = 0.5 above England; a lower caseload is better, so worse.
    england = by_type["ENGLAND"]
    assert england.difference == pytest.approx(0.5)
    assert (england.position, england.judgement) == ("above", "worse")
    # 16.8 - 16.5 = 0.3 above the North East.
    assert by_type["REGION"].difference == pytest.approx(0.3)
    # 16.8 - 17.0 = -0.2: below the neighbour mean, better.
    assert by_type["NEIGHBOURS"].difference == pytest.approx(-0.2)
    assert by_type["NEIGHBOURS"].judgement == "better"
    # Rank among every council's published 2020 figure (not the council's own row, not the
    # illustrative one, not Bford's suppressed one): Aford 15, Cford 19, Not a neighbour 40.
    # A lower caseload is better; only Aford (15) is below 16.8, so 2nd of 4. Quartile band:
    # place 2 of 4 is in the second quarter, B.
    assert (result.rank.place, result.rank.of, result.rank.band) == (2, 4, "B")
    assert result.rank_sentence("Testshire") == (
        "Testshire would rank 2nd of 4 councils (best first) against every council's published "
        "2020 figure: quartile band B (A is the best quarter, D the worst)."
    )
    assert result.notes == (BFORD,)
    assert result.england_phrase() == "Above England average (worse): 16.3 in 2020; quartile B"
    table = comparison.comparison_table(result, "Testshire")
    assert list(table["Compared with"]) == [
        "England",
        "North East",
        "Statistical neighbours (mean of 2–3)",
    ]
    assert list(table["Figures"]) == ["published", "illustrative", "published"]
    assert list(table["Difference"]) == ["0.5", "0.3", "0.2"]


def test_no_comparison_before_the_first_published_year_or_without_benchmarks(setting) -> None:
    db, config = setting
    # August 2019 ends before the 2019 figures (30 September 2019): nothing to compare with.
    assert comparison.compare(db, KPI, date(2019, 8, 1), config) is None
    # A KPI with no benchmark rows at all.
    assert comparison.benchmarks(db, "visits_in_time_pct", config).empty
    assert comparison.compare(db, "visits_in_time_pct", date(2021, 5, 1), config) is None


def test_agency_share_against_england(setting) -> None:
    db, config = setting
    # One agency worker of three: 1 / 3 = 33.3 %, above England's 15.4 % (worse).
    result = comparison.compare(db, "agency_worker_pct", date(2021, 5, 1), config)
    assert result.council_value == pytest.approx(100 / 3)
    assert result.england_phrase() == "Above England average (worse): 15.4% in 2020"
    assert result.rank is None  # no council figures for this KPI


def test_a_store_without_the_benchmarks_table_reads_as_no_benchmarks(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    # A store as an early version left it, master and snapshot alike (the master first: one
    # newer than its snapshot would be published again).
    for path in (db, tmp_path / "old.snapshot.duckdb"):
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.close()
    assert comparison.published(db, KPI).empty
    assert isinstance(comparison.benchmarks(db, KPI).series, pd.DataFrame)


def test_benchmarks_are_kept_per_snapshot_and_settings_and_never_shared(
    setting, tmp_path: Path
) -> None:
    """Worked out once per snapshot and settings version (the overview asks for each headline
    KPI's); a caller changing its copy changes nobody else's, and new settings are used."""
    db, config = setting
    first = comparison.benchmarks(db, KPI, config)
    first.series.loc[:, "value"] = -1.0  # a caller's own copy
    again = comparison.benchmarks(db, KPI, config)
    assert (again.series["value"] >= 0).all()
    # The same settings with the mean as a median: (18 + 20 + 22) / 3 and the median are
    # both 20 in 2019; 2020's (15 + 19) / 2 = 17 either way; the line's name says which.
    raw = yaml.safe_load(config.path.read_text(encoding="utf-8"))
    raw["neighbour_average"] = "median"
    changed = tmp_path / "council.yaml"
    changed.write_text(yaml.safe_dump(raw), encoding="utf-8")
    lines = comparison.benchmarks(db, KPI, load_config(changed)).series["line"].unique()
    assert "Statistical neighbours (median of 2–3)" in list(lines)
