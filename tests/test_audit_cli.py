"""``python -m etl audit``: the audit trail on the command line, filtered, as text or CSV.

A small real store: one month of synthetic returns loaded from the CLI (a ``load`` row per
return by the OS account), then one row-level download and one settings change recorded by
named people.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from demo.council import RETURN_COLUMNS
from demo.files import write_returns
from etl.__main__ import main
from etl.write import audit, store
from etl.write.load import load_paths

ROOT = Path(__file__).resolve().parent.parent


#: One load row per return of the month written.
LOADS = len(RETURN_COLUMNS)


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("audit_cli")
    files = write_returns(tmp / "files", months=1, end=date(2021, 4, 1))
    db = tmp / "store" / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, files))  # a load row per return
    audit.record_now(db, "analyst@northmoor.example", "row_download", "visits.csv", "14 bytes")
    audit.record_now(db, "=lead@northmoor.example", "settings", "council.yaml: x", "a → b")
    return db


def _run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["audit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_prints_every_entry_newest_first_with_uk_times(trail: Path, capsys) -> None:
    code, out, _ = _run(capsys, "--db", str(trail))
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == f"{LOADS + 2} entries, newest first."  # + 1 download + 1 change
    assert "Settings change" in lines[0] and "=lead@northmoor.example" in lines[0]
    assert "a → b" in lines[1]  # the detail under its entry
    assert "Child-level download" in lines[2] and "visits.csv" in lines[2]
    today = audit.when_text(audit.entries(trail)["happened_at"].iloc[0]).split(",")[0]
    assert lines[0].startswith(today)  # e.g. "25 November 2026, 10:45"
    assert sum("Load" in line and "os:" in line for line in lines) == LOADS


def test_filters_by_action_user_and_day(trail: Path, capsys) -> None:
    code, out, _ = _run(capsys, "--db", str(trail), "--action", "load")
    assert code == 0 and out.splitlines()[-1] == f"{LOADS} entries, newest first."
    assert "Child-level" not in out and "Settings" not in out
    _, out, _ = _run(capsys, "--db", str(trail), "--user", "ANALYST@northmoor.example")
    assert out.splitlines()[-1] == "1 entry, newest first." and "visits.csv" in out
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    _, out, _ = _run(capsys, "--db", str(trail), "--since", tomorrow)
    assert out.strip() == "0 entries, newest first."
    _, out, _ = _run(capsys, "--db", str(trail), "--since", date.today().isoformat())
    assert out.splitlines()[-1] == f"{LOADS + 2} entries, newest first."


def test_csv_is_machine_readable_and_formula_safe(trail: Path, capsys) -> None:
    code = main(["audit", "--db", str(trail), "--action", "settings", "--csv"])
    raw = capsys.readouterr().out
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert list(rows[0]) == ["happened_at", "who", "action", "what", "detail"]
    assert len(rows) == 1 and rows[0]["who"] == "'=lead@northmoor.example"  # made inert
    assert rows[0]["happened_at"].startswith(date.today().isoformat())


def test_refuses_unknown_actions_bad_dates_and_missing_stores(tmp_path: Path, capsys) -> None:
    assert main(["audit", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "No store at" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()  # not created by asking
    assert main(["audit", "--db", str(tmp_path / "x.duckdb"), "--action", "delete"]) == 2
    assert "Unknown action 'delete'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", "--since", "31/03/2021"])
    assert "not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_runs_as_a_module(trail: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "etl", "audit", "--db", str(trail), "--action", "row_download"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "analyst@northmoor.example" in done.stdout and "1 entry" in done.stdout


def test_the_trail_holds_no_row_contents(trail: Path) -> None:
    """Every audit value is a name, a file, a figure or counts: no child IDs from the rows."""
    con = store.open_reader(trail)
    try:
        ids = {r[0] for r in con.execute("SELECT DISTINCT child_id FROM visits").fetchall()}
    finally:
        con.close()
    text = " ".join(" ".join(map(str, row)) for row in audit.entries(trail).itertuples())
    assert ids and not any(child in text for child in ids)
