"""The demo generator: reproducible, valid returns that tell the improvement story."""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest

from demo.build import build_demo
from demo.council import DEMO_END, RETURN_COLUMNS, month_starts, progress
from demo.files import ANNEX_A_EVENTS, ANNEX_A_MONTHS, ANNEX_A_SNAPSHOTS, write_returns
from etl.returns import all_returns
from etl.write.load import STAGE_PREFIX, check_file
from metrics import api


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demo-files")
    return {p.name: p for p in write_returns(folder)}


def test_month_starts_end_on_the_demo_end() -> None:
    assert month_starts(3, date(2021, 2, 1)) == [
        date(2020, 12, 1),
        date(2021, 1, 1),
        date(2021, 2, 1),
    ]


def test_every_return_for_every_month_april_2019_to_march_2022(demo_files) -> None:
    months = month_starts(36, DEMO_END)
    assert months[0] == date(2019, 4, 1) and months[-1] == date(2022, 3, 1)
    # The last six months' referrals, assessments and ICPC, and the last visits-as-at and care
    # leavers, come as an Annex A workbook, as a council under inspection sends them; every
    # other return-month as a monthly CSV.
    annex = {f"{n}_{m:%Y-%m}.csv" for n in ANNEX_A_EVENTS for m in months[-ANNEX_A_MONTHS:]}
    annex |= {f"{n}_{months[-1]:%Y-%m}.csv" for n in ANNEX_A_SNAPSHOTS}
    expected = {f"{name}_{m:%Y-%m}.csv" for name in RETURN_COLUMNS for m in months} - annex
    assert set(demo_files) == expected | {"Annex_A_2022-03-31.xlsx"}


def test_the_demo_annex_a_workbook_fills_what_the_monthly_files_leave(demo_files, tmp_path):
    checked = check_file("Annex_A_2022-03-31.xlsx", demo_files["Annex_A_2022-03-31.xlsx"])
    assert checked.accepted, checked.report.to_text()
    filled = {(u.spec.name, u.month) for u in checked.units}
    months = month_starts(ANNEX_A_MONTHS, DEMO_END)
    assert filled == {(n, m) for n in ANNEX_A_EVENTS for m in months} | {
        (n, DEMO_END) for n in ANNEX_A_SNAPSHOTS
    }
    text = checked.report.to_text()
    assert "Placement postcode (personal data)" in text and "staff names replaced" in text


def test_same_seed_same_files_other_seed_differs(tmp_path: Path) -> None:
    first = write_returns(tmp_path / "first", months=2)
    again = write_returns(tmp_path / "again", months=2)
    other = write_returns(tmp_path / "other", months=2, seed=7)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(first, other, strict=True))


@pytest.mark.parametrize(
    "name",
    ["caseloads_2019-04.csv", "visits_2020-12.csv", "icpc_2021-09.csv", "visits_asat_2021-06.csv"],
)
def test_demo_files_pass_the_same_checks_as_a_councils(demo_files, name: str) -> None:
    checked = check_file(name, demo_files[name].read_bytes())
    assert checked.accepted, checked.report.to_text()


def test_the_story_caseloads_over_cap_fall_and_visits_improve(demo_files) -> None:
    def qsw_over_cap(month: str) -> float:
        rows = [r for r in _rows(demo_files[f"caseloads_{month}.csv"]) if r["role"] == "QSW"]
        return sum(int(r["caseload"]) > 25 for r in rows) / len(rows)

    def visits_done(month: str) -> float:
        rows = _rows(demo_files[f"visits_{month}.csv"])
        return sum(bool(r["visit_date"]) for r in rows) / len(rows)

    assert qsw_over_cap("2019-04") > 0.2 > qsw_over_cap("2022-03")
    assert visits_done("2019-04") < visits_done("2022-03")


def test_the_story_more_children_visited_within_timescale(demo_db: Path) -> None:
    values = api.kpi_values(demo_db, ["visits_asat_in_timescale_pct"], teams=["ALL"])
    by_month = values.sort_values("month")["value"]
    assert len(by_month) == 36
    assert by_month.iloc[:6].mean() < by_month.iloc[-6:].mean()


def test_visits_as_at_list_every_open_child_at_month_end(demo_files) -> None:
    listed = _rows(demo_files["visits_asat_2020-05.csv"])
    # The children the supervision return holds open at the end of May 2020, each once.
    open_children = [r["child_id"] for r in _rows(demo_files["supervision_2020-05.csv"])]
    assert sorted(r["child_id"] for r in listed) == sorted(open_children)
    assert {r["as_at_date"] for r in listed} == {"2020-05-31"}
    assert all(r["end_date"] == "" and r["last_visit_date"] <= "2020-05-31" for r in listed)
    # Seen alone only on the CP list, as Annex A gives it.
    assert all(r["seen_alone"] == "" for r in listed if r["plan_type"] != "CP")
    assert any(r["seen_alone"] for r in listed if r["plan_type"] == "CP")


def test_some_enquiries_need_no_conference(demo_files) -> None:
    rows = [r for m in range(1, 13) for r in _rows(demo_files[f"icpc_2020-{m:02d}.csv"])]
    flagged = [r for r in rows if r["icpc_not_required"] == "Y"]
    assert 0 < len(flagged) < len(rows) / 5
    assert all(r["icpc_date"] == "" for r in flagged)


def test_winter_2020_21_dips() -> None:
    assert progress(date(2021, 1, 1)) < progress(date(2020, 11, 1)) < progress(date(2021, 3, 1))


def test_icpc_rows_are_held_in_the_month_or_still_awaiting(demo_files) -> None:
    for row in _rows(demo_files["icpc_2020-05.csv"]):
        assert row["strategy_date"] <= "2020-05-31"
        assert row["icpc_date"] == "" or "2020-05-01" <= row["icpc_date"] <= "2020-05-31"
        assert row["icpc_date"] == "" or row["icpc_date"] >= row["strategy_date"]


def test_exports_are_messy_like_real_ones_and_still_pass(demo_files) -> None:
    # Every third month carries UK dates; from 2021 ICPC headings are Annex A's.
    june = _rows(demo_files["visits_2021-06.csv"])
    assert all(len(r["due_date"]) == 10 and r["due_date"][2] == "/" for r in june)
    header = demo_files["icpc_2021-06.csv"].read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Child Unique ID,Allocated Team,Strategy discussion initiating")
    for name in ("visits_2021-06.csv", "icpc_2021-06.csv"):
        checked = check_file(name, demo_files[name].read_bytes())
        assert checked.accepted, checked.report.to_text()
    assert any(r["visit_date"] == "" for r in june)  # blank optional fields too


def test_scale_writes_several_councils_with_distinct_ids(tmp_path: Path) -> None:
    paths = write_returns(tmp_path, months=1, scale=3)
    caseloads = _rows(next(p for p in paths if p.name.startswith("caseloads")))
    prefixes = {r["team"].split(" ")[0] for r in caseloads}
    assert prefixes == {"C001", "C002", "C003"}
    ids = [r["worker_id"] for r in caseloads]
    assert len(ids) == len(set(ids))


def test_only_a_may_repeat_return_sends_the_same_bytes_twice(demo_files) -> None:
    """The loader refuses a file byte-for-byte the same as another month's (a month sent
    under the wrong name) unless its return is declared ``may_repeat``. The urgent review's
    position stops changing once every case is reviewed, so its files repeat, and the demo
    build (which loads them all) shows the loader accepts them; no other file repeats."""
    repeatable = {name for name, spec in all_returns().items() if spec.may_repeat}
    assert repeatable == {"case_review"}
    by_digest: dict[str, list[str]] = {}
    for name, path in demo_files.items():
        by_digest.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), []).append(name)
    repeats = [names for names in by_digest.values() if len(names) > 1]
    assert repeats, "the review's position stops changing: some of its months repeat"
    assert all(n.split("_20")[0] in repeatable for names in repeats for n in names)


def test_the_demo_build_checks_in_workers_and_leaves_no_staged_rows(tmp_path: Path) -> None:
    """The workers hand each file's staged rows to the builder (renamed after it), which
    removes them once loaded: no staging folder of this process outlives the build."""

    def staged() -> set[Path]:
        return set(Path(tempfile.gettempdir()).glob(f"{STAGE_PREFIX}{os.getpid()}-*"))

    before = staged()
    results = build_demo(tmp_path / "csc.duckdb", months=2)
    assert results and all(r.ok for r in results)
    assert api.months(tmp_path / "csc.duckdb") == month_starts(2)
    assert staged() <= before


def test_builds_one_after_another_in_one_process_each_get_live_workers(tmp_path: Path) -> None:
    """A build's end stops the process's fork server in the background; the next build (a
    test, a second store) must not fork its workers from the server being stopped, which
    would end them mid-check. Both builds load every file, and no fork server is left."""
    from multiprocessing import forkserver

    for name in ("first", "second"):
        results = build_demo(tmp_path / name / "csc.duckdb", months=1)
        assert results and all(r.ok for r in results), name
    deadline = time.monotonic() + 30
    while forkserver._forkserver._forkserver_pid is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert forkserver._forkserver._forkserver_pid is None
