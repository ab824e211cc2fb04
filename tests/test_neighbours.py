"""Statistical neighbours from the DfE's own table, averaged as the council chooses, with every
neighbour left out of a year named and why; the demo's bundled published figures are real.

The DfE files are used as published (the shared real-formats folder); the averages are worked
out by hand on a small benchmarks file loaded through the real path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from etl.sources.ees.convert import convert
from etl.sources.ees.importer import import_ees
from etl.sources.neighbours import NeighbourFileError, read_table
from etl.write.load import load_paths
from metrics import comparison
from metrics.config import DEFAULT_CONFIG, load_config
from tests.conftest import REAL_FORMATS as REAL

ROOT = Path(__file__).resolve().parent.parent
APRIL_2021 = REAL / "dfe-cscoe__New_Statistical_Neighbour_Groupings_April_2021.csv"
MODEL_2025 = REAL / "dfe-cscoe__sn_model_2025_wide.csv"
C4 = REAL / "dfe-cscoe__c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"
CSWW = REAL / "dfe-cscoe__csww_indicators_2017_to_2025.csv"
C1 = REAL / "dfe-cscoe__c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
LEAVERS = REAL / "dfe-cscoe__la_care_leavers_accommodation_suitability.csv"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="real-format files not available")
KPI = "icpc_within_15wd_pct"


def _config(folder: Path, **settings: object) -> Path:
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw.pop("la_code_old", None)
    raw.update(settings)
    path = folder / "council.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@needs_real
def test_both_published_layouts_give_a_councils_ten_neighbours_closest_first() -> None:
    april = read_table(APRIL_2021.read_bytes())
    # North Northamptonshire (940), April 2021: Cumbria (909), abolished in 2023, is sixth.
    first = april.for_council("940")
    assert len(first) == 10
    assert (first[0].la_code, first[0].name, first[0].closeness) == (
        "941",
        "West Northamptonshire",
        "Very Close",
    )
    assert (first[5].la_code, first[5].name) == ("909", "Cumbria")
    # The 2025 model: Calderdale (381)'s closest is Bournemouth, Christchurch and Poole.
    model = read_table(MODEL_2025.read_bytes())
    assert len(model.groups) == 153
    assert model.for_council("381")[0].name == "Bournemouth, Christchurch and Poole"
    with pytest.raises(NeighbourFileError, match="LA 999 is not in this table"):
        model.for_council("999")
    with pytest.raises(NeighbourFileError, match="Not the DfE's statistical-neighbour table"):
        read_table(b"a,b\n1,2\n")


@needs_real
def test_cli_sets_the_neighbours_from_la_code_and_audits_it(tmp_path: Path) -> None:
    config = _config(tmp_path, la_code="381")
    db = tmp_path / "csc.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "import-neighbours", str(MODEL_2025), "--db", str(db)],
        cwd=ROOT,
        env={**os.environ, "CSC_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(LA 381): 10 neighbours" in done.stdout
    listed = load_config(config).statistical_neighbours
    assert listed[0] == {"name": "Bournemouth, Christchurch and Poole", "la_code": "839"}
    assert len(listed) == 10
    con = duckdb.connect(str(db), read_only=True)
    try:
        (what,) = con.execute("SELECT what FROM audit WHERE action = 'settings'").fetchone()
    finally:
        con.close()
    assert what == "council.yaml: statistical_neighbours"


@needs_real
def test_a_neighbour_that_ceased_to_exist_in_2023_is_named_each_later_year(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    assert import_ees(db, C4)[1].ok
    neighbours = [
        {"name": n.name, "la_code": n.la_code}
        for n in read_table(APRIL_2021.read_bytes()).for_council("940")
    ]
    config = load_config(_config(tmp_path, la_code="940", statistical_neighbours=neighbours))
    bench = comparison.benchmarks(db, KPI, config)
    line = bench.series[bench.series["area_type"] == "NEIGHBOURS"].set_index("period")
    # Cumbria's last figure is for 2022-23 (the year ending 31 March 2023); it was abolished
    # on 1 April 2023, so from 2023-24 the mean is of the other nine, and a note says so.
    assert line.loc["2022-23", "used"] == 10 and line.loc["2023-24", "used"] == 9
    assert (
        "2023-24: no figure for Cumbria (none published after 2022-23 (council reorganised or "
        "abolished)), so the neighbour mean is of 9 not 10." in bench.notes
    )
    assert any(n.startswith("2024-25: no figure for Cumbria") for n in bench.notes)


# Ten neighbours, 2024-25; N10 suppressed ("c"). The other nine, sorted:
# 60, 70, 75, 80, 80, 85, 90, 95, 100.
TEN = [60, 100, 70, 95, 75, 90, 80, 85, 80, None]
HEADER = (
    "indicator,period,period_end,area_type,area_code,area_name,value,unit,source,illustrative,"
    "old_la_code,symbol"
)


def _ten(folder: Path) -> Path:
    lines = [HEADER]
    for i, value in enumerate(TEN, start=1):
        figure, symbol = ("", "c") if value is None else (value, "")
        lines.append(
            f"{KPI},2024-25,2025-03-31,LA,E0600010{i - 1},N{i},{figure},percent,Test,N,"
            f"{700 + i},{symbol}"
        )
    path = folder / "benchmarks_ten.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("average", "expected"),
    [
        # Mean of the nine with a figure: (60+70+75+80+80+85+90+95+100) / 9 = 735 / 9 = 81.67.
        ("mean", 735 / 9),
        # Median of nine: the fifth of 60, 70, 75, 80, [80], 85, 90, 95, 100 = 80.
        ("median", 80.0),
    ],
)
def test_mean_and_median_of_ten_neighbours_with_one_suppressed(
    tmp_path: Path, average: str, expected: float
) -> None:
    db = tmp_path / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, [_ten(tmp_path)]))
    neighbours = [{"name": f"N{i}", "la_code": str(700 + i)} for i in range(1, 11)]
    config = load_config(
        _config(tmp_path, statistical_neighbours=neighbours, neighbour_average=average)
    )
    bench = comparison.benchmarks(db, KPI, config)
    (point,) = bench.series[bench.series["area_type"] == "NEIGHBOURS"].itertuples()
    assert point.value == pytest.approx(expected)
    assert point.line == f"Statistical neighbours ({average} of 9)"
    assert bench.notes == (
        f"2024-25: no figure for N10 (c — suppressed to protect confidentiality), so the "
        f"neighbour {average} is of 9 not 10.",
    )


def test_a_neighbour_average_other_than_mean_or_median_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neighbour_average must be mean or median"):
        load_config(_config(tmp_path, neighbour_average="mode"))


@needs_real
def test_the_demos_bundled_published_figures_are_the_dfes() -> None:
    bundled = pd.read_csv(
        ROOT / "data" / "reference" / "northmoor_benchmarks.csv", dtype="str", keep_default_na=False
    )
    published = bundled[bundled["illustrative"] == "N"]
    real = pd.concat([convert(f.read_bytes()).frame for f in (C4, CSWW, C1, LEAVERS)])
    key = ["indicator", "period", "area_code"]
    merged = published.merge(real, on=key, suffixes=("", "_dfe"), validate="one_to_one")
    assert len(merged) == len(published) > 1000
    assert (merged["value"] == merged["value_dfe"]).all()
    assert (merged["source"] == merged["source_dfe"]).all()
    # Every England and region figure is published; only fictional councils are made up.
    assert set(bundled.loc[bundled["illustrative"] == "Y", "area_type"]) == {"LA"}
