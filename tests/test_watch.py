"""The drop folder watcher, as a real process: slow copies, bad files, a busy store, and it
keeps going."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from demo.files import write_returns
from etl.write import store
from etl.write.watch import wanted

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _rows(db: Path, table: str) -> int:
    if not store.snapshot_path(db).exists():
        return 0
    con = store.open_reader(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _processed(db: Path, name: str) -> list[Path]:
    """The loaded copies of ``name`` kept in processed/ (time-stamped, never overwritten)."""
    return sorted((db.parent / "processed").glob(f"*_{name}"))


def test_every_finished_file_is_wanted_so_each_gets_a_verdict() -> None:
    assert wanted(Path("visits_2021-05.csv")) and wanted(Path("Caseloads May.XLSX"))
    # A census XML or a note dropped in is read and refused by name, not left unexplained.
    assert wanted(Path("cin-2022.xml")) and wanted(Path("notes.txt"))
    for name in ("visits_2021-05.csv.part", ".~lock.visits.csv#", "~$book.xlsx"):
        assert not wanted(Path(name))


def test_watcher_waits_for_slow_copies_and_busy_stores_survives_bad_files(tmp_path: Path) -> None:
    files = {p.name: p for p in write_returns(tmp_path / "files", months=1, end=date(2021, 5, 1))}
    inbox, db = tmp_path / "inbox", tmp_path / "store" / "csc.duckdb"
    inbox.mkdir()
    command = ["watch", str(inbox), "--db", str(db), "--settle", "1.0", "--wait", "0.5"]
    log_file = tmp_path / "watch.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log_file.open("w"),  # read as it grows: each verdict is awaited, not raced
        text=True,
    )
    try:
        # A slow copy: five chunks 0.4 s apart, each gap shorter than the settle time.
        data = files["visits_2021-05.csv"].read_bytes()
        target = inbox / "visits_2021-05.csv"
        step = len(data) // 5 + 1
        with target.open("wb") as handle:
            for start in range(0, len(data), step):
                handle.write(data[start : start + step])
                handle.flush()
                time.sleep(0.4)
                assert target.exists(), "the watcher must not take a file still being copied"
        assert _wait_for(lambda: _processed(db, "visits_2021-05.csv")), "loaded and moved"
        # The file is moved just before the snapshot is published: wait for that too.
        assert _wait_for(lambda: _rows(db, "visits") > 0)
        assert _rows(db, "visits") == data.count(b"\n") - 1  # every row, not a half file

        # A bad file is refused and kept with its report; the next good file still loads.
        (inbox / "caseloads_2021-05.csv").write_text(
            "worker_id,team,role,fte,agency,caseload\nW1,Team A,QSW,2,N,20\n", encoding="utf-8"
        )
        rejected = db.parent / "rejected"
        assert _wait_for(lambda: len(list(rejected.glob("*caseloads_2021-05.csv*"))) == 2)
        (inbox / "icpc_2021-05.csv").write_bytes(files["icpc_2021-05.csv"].read_bytes())
        assert _wait_for(lambda: _processed(db, "icpc_2021-05.csv"))
        assert proc.poll() is None, "the watcher is still running"
        assert _rows(db, "caseloads") == 0

        # While another load holds the store, the watcher is told it is busy, keeps the file
        # and tries again; once the store is free the file loads. Nothing is lost.
        supervision = inbox / "supervision_2021-05.csv"
        with store.open_writer(db):
            supervision.write_bytes(files["supervision_2021-05.csv"].read_bytes())
            time.sleep(3.0)  # settle (1 s) + one wait (0.5 s) at least once over
            assert supervision.exists(), "a file the store was too busy for stays in the inbox"
        assert _wait_for(lambda: _processed(db, supervision.name))
        assert _wait_for(lambda: _rows(db, "supervision") > 0)

        # The same file sent again changes nothing, and both copies are kept.
        (inbox / "visits_2021-05.csv").write_bytes(data)
        assert _wait_for(lambda: len(_processed(db, "visits_2021-05.csv")) == 2)
        # The verdict is logged after the file is moved: wait for it, then stop the watcher.
        assert _wait_for(lambda: "visits_2021-05.csv: unchanged" in log_file.read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    stderr = log_file.read_text()
    assert "visits_2021-05.csv" in stderr and "rejected" in stderr
    assert "visits_2021-05.csv: unchanged" in stderr
    assert "store busy (another load is running); will retry supervision_2021-05.csv" in stderr
    child = files["visits_2021-05.csv"].read_text().splitlines()[1].split(",")[0]
    assert child not in stderr, "the log never holds row contents"


def test_ssda903_tables_dropped_together_load_as_one_set(tmp_path: Path) -> None:
    """A year's 903 tables waiting in the folder are one set: loaded together, then gone
    (they hold dates of birth and postcodes: only the reports are kept)."""
    from tests.test_kpis_looked_after import write_tables

    inbox, db = tmp_path / "inbox", tmp_path / "store" / "csc.duckdb"
    write_tables(inbox)
    command = ["watch", str(inbox), "--db", str(db), "--settle", "1.0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(lambda: not any(inbox.iterdir()), timeout=300)
        assert _wait_for(lambda: _rows(db, "looked_after") > 0, timeout=60)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # One load for the set: every return it fills written under the set's one name.
    con = store.open_reader(db)
    try:
        names = {r[0] for r in con.execute("SELECT DISTINCT file_name FROM load_log").fetchall()}
    finally:
        con.close()
    assert len(names) == 1 and "SSDA903_2022_episodes.csv" in names.pop()
    kept = sorted(p.name for p in (db.parent / "processed").iterdir())
    assert kept and all(n.endswith(".report.json") for n in kept)
