"""The read API and the CLI on the tiny council of ``test_metrics_kpis``: caching per snapshot
and per council settings, a missing store, the headline frame, and ``python -m metrics``.

Tests that load or refresh build their own store, so they never change another test's data.
"""

from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from etl.write import store
from etl.write.load import load_paths
from metrics import api
from metrics.config import DEFAULT_CONFIG, load_config
from metrics.declarations import KPI_DIR, declarations
from metrics.formatting import inert_text
from tests.test_metrics_kpis import ALL, APRIL, EXPECTED, MAY, build_store, write_returns

ROOT = Path(__file__).resolve().parent.parent
JUNE = date(2021, 6, 1)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only for the tests that use it."""
    return build_store(tmp_path_factory.mktemp("api"))


def _council_config(tmp_path: Path, change) -> Path:
    """A copy of the council's settings with one change, as a council would edit it."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    change(config)
    path = tmp_path / "council.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _metrics(*args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"CSC_CONFIG": str(config)} if config else {})}
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _value(db: Path, kpi: str, month: date, team: str = ALL, role: str = ALL) -> float:
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team], role=role)
    assert len(frame) == 1
    return frame["value"].iloc[0]


def test_a_new_load_is_seen_without_restarting(tmp_path: Path) -> None:
    db = build_store(tmp_path)
    version = store.snapshot_version(db)
    assert api.months(db) == [APRIL, MAY]  # now cached under this snapshot version
    june = {
        "caseloads_2021-06.csv": "worker_id,team,role,fte,agency,caseload\nW1,Team A,QSW,1,N,30\n"
    }
    results = load_paths(db, write_returns(tmp_path / "june", june))
    assert all(r.ok for r in results)
    assert store.snapshot_version(db) != version
    assert api.months(db) == [APRIL, MAY, JUNE]
    assert _value(db, "caseload_highest", JUNE) == 30  # W1's 30, the only worker in June


def test_changing_a_cap_and_refreshing_recounts(tmp_path: Path, monkeypatch) -> None:
    db = build_store(tmp_path)
    # The council's cap of 25: W2 (26) of W1, W2, W4 is over = 1/3.
    assert _value(db, "caseload_qsw_over_cap_pct", MAY) == pytest.approx(100 / 3)
    config = _council_config(tmp_path, lambda c: c["caseload_caps"].update(QSW=24))
    done = _metrics("refresh", "--db", str(db), config=config)
    assert done.returncode == 0, done.stderr
    assert "2 month(s)" in done.stdout
    # With a cap of 24, W1 (25) and W2 (26) are over of three QSWs: 2/3 = 66.7%.
    shown = _metrics("show", "--db", str(db), "--month", "2021-05", config=config)
    assert shown.returncode == 0, shown.stderr
    title = api.kpi("caseload_qsw_over_cap_pct").short_title
    line = next(x for x in shown.stdout.splitlines() if title in x)
    assert "66.7% (few cases: 2 of 3)" in line and "off track" in line  # counts beside it
    # This process sees the refreshed store at once (a new snapshot was published) ...
    assert _value(db, "caseload_qsw_over_cap_pct", MAY) == pytest.approx(200 / 3)
    # ... and "how this is calculated" follows the settings it is given.
    monkeypatch.setenv("CSC_CONFIG", str(config))
    assert "more than 24 children" in api.how_calculated("caseload_qsw_over_cap_pct")


def test_changing_a_visit_timescale_and_refreshing_recounts(tmp_path: Path, monkeypatch) -> None:
    db = build_store(tmp_path)
    # As at 30 April, CP within 10 working days: V1 (10) of V1, V2; council 3 of 7 open.
    assert _value(db, "visits_asat_in_timescale_pct", APRIL) == pytest.approx(300 / 7)
    config = _council_config(
        tmp_path, lambda c: c["visit_timescales"].update(CP={"working_days": 15})
    )
    done = _metrics("refresh", "--db", str(db), config=config)
    assert done.returncode == 0, done.stderr
    # Within 15 working days V2 (11) is in time too: council 4 of 7, CP 2 of 2.
    assert _value(db, "visits_asat_in_timescale_pct", APRIL) == pytest.approx(400 / 7)
    cp = api.kpi_values(
        db, ["visits_asat_in_timescale_pct"], months=[APRIL], teams=[ALL], plan_type="CP"
    )
    assert cp["value"].iloc[0] == 100.0
    monkeypatch.setenv("CSC_CONFIG", str(config))
    assert "CP 15 working days" in api.kpi("visits_asat_in_timescale_pct").description


@pytest.mark.parametrize(
    "timescales",
    [{"CP": {"working_days": 10, "days": 14}}, {"CP": {"weeks": 2}}, {"CP": {"days": 0}}, {}],
)
def test_a_visit_timescale_must_be_one_whole_number_in_one_unit(
    tmp_path: Path, timescales: dict
) -> None:
    config = _council_config(tmp_path, lambda c: c.update(visit_timescales=timescales))
    with pytest.raises(ValueError, match="visit_timescales"):
        load_config(config)


def test_an_edited_threshold_counts_at_once(shared_db: Path, tmp_path: Path, monkeypatch) -> None:
    # Agency share in May is 1 of 6 = 16.7%: under the council's limit of 20 ...
    frame = api.kpi_values(shared_db, ["agency_worker_pct"], months=[MAY], teams=[ALL])
    assert frame["status"].iloc[0] == "on track" and frame["threshold"].iloc[0] == 20
    # ... and 1.7 points over a limit of 15, inside the 5-point warning band: at risk, with no
    # refresh and no new load (a status rule does not change the counting).
    config = _council_config(
        tmp_path, lambda c: c["thresholds"]["agency_worker_pct"].update(limit=15)
    )
    monkeypatch.setenv("CSC_CONFIG", str(config))
    frame = api.kpi_values(shared_db, ["agency_worker_pct"], months=[MAY], teams=[ALL])
    assert frame["status"].iloc[0] == "at risk" and frame["threshold"].iloc[0] == 15
    assert frame["reason"].iloc[0] == "16.7%, 1.7 points above the limit of 15.0%"


def test_threshold_line_follows_the_role_override(shared_db: Path) -> None:
    lines = {
        role: api.kpi_values(
            shared_db, ["caseload_avg_per_fte"], months=[MAY], teams=[ALL], role=role
        )["threshold"].iloc[0]
        for role in (ALL, "QSW", "ASYE")
    }
    assert lines == {ALL: 25, "QSW": 25, "ASYE": 18}
    # "Rise month on month until at least 95 %": the level it must reach is the line.
    visits = api.kpi_values(shared_db, ["visits_in_time_pct"], months=[MAY], teams=[ALL])
    assert visits["threshold"].iloc[0] == load_config().threshold("visits_in_time_pct").limit


def test_headline_is_the_councils_headline_kpis_with_last_month(shared_db: Path) -> None:
    frame = api.headline(shared_db, MAY)
    # Every headline KPI with figures this month (the tiny council sends five returns), in
    # declaration order.
    loaded = {"caseloads", "visits", "visits_asat", "icpc", "supervision"}
    headlines = [k.id for k in declarations().kpis.values() if k.headline]
    assert list(frame["kpi"]) == [
        k for k in headlines if declarations().kpis[k].return_name in loaded
    ]
    assert set(frame["team"]) == {ALL}
    visits = frame.set_index("kpi").loc["visits_in_time_pct"]
    # April 2 of 2 = 100%; May 2 of 6 = 33.3%.
    assert visits["previous_value"] == 100.0 and visits["value"] == pytest.approx(100 / 3)
    # Two months are too few to tell a fall from noise (metrics.spc needs 12): at risk, with
    # the fall on April given as a fact, not as the verdict (issue 30).
    assert (visits["unit"], visits["status"], visits["icon"]) == ("percent", "at risk", "▲")
    assert visits["variation"] == "not_enough_months"
    assert visits["reason"].endswith("; down 66.7 points on April 2021")
    # No caseloads return in April: nothing to compare with.
    assert math.isnan(frame.set_index("kpi").loc["caseload_avg_per_fte", "previous_value"])


def test_target_dates_and_areas_come_from_the_declarations() -> None:
    assert api.target_date("caseload_qsw_over_cap_pct") == date(2020, 3, 31)
    assert api.target_date("visits_in_time_pct") is None
    files = sorted(
        (yaml.safe_load(p.read_text(encoding="utf-8"))["area"] for p in KPI_DIR.glob("*.yaml")),
        key=lambda area: area["order"],
    )
    assert [a.id for a in api.areas()] == [area["id"] for area in files]
    listed = [k.id for a in api.areas() for k in a.kpis]
    assert sorted(listed) == sorted(declarations().kpis)
    assert api.kpi("icpc_within_15wd_pct").title == "Conferences held within 15 working days"


def test_a_missing_store_reads_as_empty(tmp_path: Path) -> None:
    db = tmp_path / "nothing" / "csc.duckdb"
    assert api.months(db) == [] and api.teams(db) == []
    assert api.store_kind(db) is None and api.last_loaded(db) is None
    assert api.missing_returns(db, MAY) == []
    values = api.kpi_values(db)
    assert values.empty and list(values.columns) == api.VALUE_COLUMNS
    assert api.headline(db, MAY).empty
    assert api.kpi_rows(db, "visits_in_time_pct", MAY).empty
    assert not db.exists()  # reading never creates a store


def test_compute_cli_prints_the_hand_counts(shared_db: Path) -> None:
    done = _metrics("compute", "--db", str(shared_db), "--month", "2021-05")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "kpi,month,team,numerator,denominator,value"
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    # Every KPI over the five returns the tiny council sends, for the council and both teams,
    # no plan-type or role splits: 3 rows each.
    loaded = {"caseloads", "visits", "visits_asat", "icpc", "supervision"}
    counted = [k for k in declarations().kpis.values() if k.return_name in loaded]
    assert len(rows) == len(counted) * 3
    assert {r["month"] for r in rows} == {"2021-05"}
    got = {(r["kpi"], r["team"]): r["value"] for r in rows}
    checked = 0
    for (kpi, month, team, plan_type, role), expected in EXPECTED.items():
        if month != MAY or (plan_type, role) != (ALL, ALL):
            continue
        checked += 1
        if math.isnan(expected):
            assert got[kpi, team] == "", "no data is blank, not 0"
        else:
            assert float(got[kpi, team]) == pytest.approx(expected), (kpi, team)
    assert checked >= 25


def test_compute_cli_filters_kpis_and_refuses_unknown_ones(shared_db: Path) -> None:
    done = _metrics("compute", "--db", str(shared_db), "--kpi", "icpc_awaiting_overdue")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    # ICPC rows in April (Team A only) and May (both teams), each with the council row.
    assert [(r["month"], r["team"]) for r in rows] == [
        ("2021-04", ALL),
        ("2021-04", "Team A"),
        ("2021-05", ALL),
        ("2021-05", "Team A"),
        ("2021-05", "Team B"),
    ]
    # May: C14 waited 16 working days; C13 is at exactly 15, not over.
    assert rows[2]["numerator"] == "1" and rows[2]["denominator"] == "4"
    refused = _metrics("compute", "--db", str(shared_db), "--kpi", "no_such_kpi")
    assert refused.returncode == 2 and "unknown KPI 'no_such_kpi'" in refused.stderr


def test_a_team_missing_a_month_compares_with_its_last_loaded_month(tmp_path: Path) -> None:
    """Team B sends nothing in June, so July's change is on May (the latest earlier month)."""
    db = build_store(tmp_path)  # May: Team B's workers hold 20, 18 and 4 children
    header = "worker_id,team,role,fte,agency,caseload\n"
    later = {
        "caseloads_2021-06.csv": header + "W1,Team A,QSW,1,N,30\n",
        "caseloads_2021-07.csv": header + "W1,Team A,QSW,1,N,28\nW4,Team B,QSW,1,N,22\n",
    }
    assert all(r.ok for r in load_paths(db, write_returns(tmp_path / "later", later)))
    july = date(2021, 7, 1)
    frame = api.kpi_values(db, ["caseload_highest"], months=[july], teams=["Team B"])
    row = frame.iloc[0]
    # Highest in July is W4's 22; in May it was W4's 20 (18 and 4 are lower).
    assert (row["value"], row["previous_month"], row["previous_value"]) == (22, MAY, 20)
    assert (row["status"], row["reason"]) == ("on track", "22, at or below the limit of 25")
    # The same rows as the window over every month gives, whichever months are asked for.
    everything = api.kpi_values(db, ["caseload_highest"], role=None)
    for chosen in ([july], [JUNE, july], [MAY], [APRIL, july]):
        picked = api.kpi_values(db, ["caseload_highest"], months=chosen, role=None)
        whole = everything[everything["month"].isin(chosen)].reset_index(drop=True)
        assert picked.equals(whole), chosen


def test_compute_csv_text_cannot_run_as_a_formula() -> None:
    """``metrics compute`` writes its CSV through ``inert_text``, as the downloads do: a
    team named like a formula gets a leading quote; numbers, even negative, stay numbers."""
    frame = pd.DataFrame({"team": ['=HYPERLINK("http://x")', "North"], "value": [-3.0, 1.0]})
    safe = inert_text(frame)
    assert safe["team"].tolist() == ['\'=HYPERLINK("http://x")', "North"]
    assert safe["value"].tolist() == [-3.0, 1.0]
