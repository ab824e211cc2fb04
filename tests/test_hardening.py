"""Hostile and unlucky cases that used to end in a traceback, a leak or a stale view.

Each case is run through the real loader and store: every file gets a verdict, a killed
load's staging is cleaned up, readers catch up after a load killed before it published, and
the stored KPI values are the same to the bit after every refresh.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from openpyxl import Workbook

from etl.write import store
from etl.write.load import STAGE_PREFIX, check_file, clear_stale_stages, commit_checked, load_paths
from metrics import api
from tests.conftest import table_checksums

ROOT = Path(__file__).resolve().parent.parent
CASELOADS = "worker_id,team,role,fte,agency,caseload\nW1,Team A,QSW,1,N,20\nW2,Team A,ASYE,1,N,12\n"


def _put(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_period_columns_are_refused_by_name(tmp_path: Path) -> None:
    text = "period,period," + CASELOADS.replace("\nW", "\n2021-05,2021-05,W")
    [result] = load_paths(tmp_path / "csc.duckdb", [_put(tmp_path, "export.csv", text)])
    assert result.status == "rejected"
    assert result.report.problems[0].check == "duplicate_column"
    assert "two 'period' columns" in result.report.problems[0].message


def test_a_header_of_thousands_of_columns_is_refused_before_it_is_read(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(20_000))
    text = header.replace("c0,c1,c2,c3,c4,c5", "worker_id,team,role,fte,agency,caseload") + "\n"
    text += ",".join(["W1", "Team A", "QSW", "1", "N", "20"] + [""] * 19_994) + "\n"
    fc = check_file("caseloads_2021-05.csv", text.encode())
    assert [p.check for p in fc.report.problems] == ["column_count"]
    assert "20,000 columns" in fc.report.problems[0].message


def _damaged_workbook() -> bytes:
    """A real .xlsx whose sheet XML is cut off half way, as a failed copy leaves it."""
    book = io.BytesIO()
    wb = Workbook()
    wb.active.append(["worker_id", "team", "role", "fte", "agency", "caseload"])
    wb.active.append(["W1", "Team A", "QSW", 1, "N", 20])
    wb.save(book)
    out = io.BytesIO()
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return out.getvalue()


def test_a_workbook_with_damaged_sheet_xml_gets_a_verdict(tmp_path: Path) -> None:
    path = tmp_path / "caseloads_2021-05.xlsx"
    path.write_bytes(_damaged_workbook())
    good = _put(tmp_path, "caseloads_2021-06.csv", CASELOADS)
    db = tmp_path / "csc.duckdb"
    run = subprocess.run(
        [sys.executable, "-m", "etl", "load", "--db", str(db), str(path), str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert "damaged" in run.stdout and "1 loaded" in run.stdout
    # The batch published what it committed: readers see June.
    assert [m.month for m in api.months(db)] == [6]


def test_a_killed_loads_staging_folder_is_cleared_by_the_next_check(tmp_path: Path) -> None:
    ended = subprocess.Popen(["true"])  # a process that has ended: its pid is free
    ended.wait()
    stale = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{ended.pid}-"))
    (stale / "caseloads.parquet").write_bytes(b"rows of a killed load")
    mine = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
    try:
        removed = clear_stale_stages()
        assert stale in removed and not stale.exists()
        assert mine.exists(), "a live process's staging is never touched"
    finally:
        mine.rmdir()


def test_readers_catch_up_after_a_load_killed_before_it_published(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    assert load_paths(db, [_put(tmp_path / "a", "caseloads_2021-05.csv", CASELOADS)])[0].ok
    # June's file differs from May's: the very same bytes under another month are refused.
    june = check_file("caseloads_2021-06.csv", CASELOADS.replace(",20\n", ",21\n").encode())
    # The load commits June, then stops before publishing (as a SIGKILL there would).
    with store.open_writer(db, publish=False) as con:
        assert commit_checked(con, db, june, "cli").status == "loaded"
    june.discard()
    assert store._last_load(store.snapshot_path(db)) < store._last_load(db)
    assert [m.month for m in api.months(db)] == [5, 6]  # the reader republished
    assert store.republish_if_behind(db) is False  # and only once


def test_kpi_values_are_the_same_to_the_bit_after_every_refresh(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    files = [
        _put(folder, f"caseloads_2021-{m:02d}.csv", CASELOADS.replace(",20\n", f",{19 + m}\n"))
        for m in (4, 5, 6)
    ]
    db = tmp_path / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, files))
    before = table_checksums(db)["kpi_values"]
    for _ in range(2):
        run = [sys.executable, "-m", "metrics", "refresh", "--db", str(db)]
        assert subprocess.run(run, capture_output=True, check=False).returncode == 0
        assert table_checksums(db)["kpi_values"] == before


def test_the_table_toolbar_cannot_download_rows_unaudited() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_a_bad_file_in_a_batch_does_not_stop_the_batch(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    bad = _put(tmp_path / "b", "caseloads_2021-05.csv", "\x00" * 10)
    results = load_paths(db, [bad, _put(tmp_path / "g", "caseloads_2021-06.csv", CASELOADS)])
    assert [r.status for r in results] == ["rejected", "loaded"]


def test_sums_of_fractions_are_the_same_whatever_order_the_rows_come_in(tmp_path: Path) -> None:
    """A sum of doubles depends on the order it is added in: 0.1 + 0.2 + 0.3 is
    0.6000000000000001 and 0.3 + 0.2 + 0.1 is 0.6. Numerators and denominators are rounded to
    ``VALUE_DIGITS`` like values, so a month's FTE is stored the same however rows arrive."""
    rows = ["W1,Team A,QSW,0.1,N,3", "W2,Team A,QSW,0.2,N,6", "W3,Team A,QSW,0.3,N,9"]
    header = CASELOADS.splitlines()[0]
    stored = []
    for name, order in (("forward", rows), ("backward", rows[::-1])):
        path = _put(tmp_path / name, "caseloads_2021-04.csv", "\n".join([header, *order]) + "\n")
        db = tmp_path / name / "csc.duckdb"
        assert all(r.ok for r in load_paths(db, [path]))
        values = api.kpi_values(db, ["caseload_avg_per_fte"], teams=["ALL"])
        stored.append(values[values["role"] == "ALL"][["denominator", "value"]].iloc[0].tolist())
    # FTE 0.1 + 0.2 + 0.3 = 0.6; 18 children / 0.6 FTE = 30 per FTE.
    assert stored[0] == stored[1] == [0.6, 30.0]
