"""Kept files: none of a file that held personal data, and none past the retention period."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from etl.__main__ import main
from etl.report import Finding, ValidationReport
from etl.write.load import (
    NOT_KEPT_PERSONAL,
    FileCheck,
    check_path,
    keep_rejected,
    load_paths,
)
from etl.write.retention import tidy
from metrics.config import DEFAULT_CONFIG, load_config
from tests.test_etl_load import CASELOADS, VISITS, put

NOW = datetime(2026, 6, 1, 12, 0, 0)


def _kept(db: Path, folder: str, name: str, age: timedelta, now: datetime = NOW) -> Path:
    """A file kept ``age`` before ``now``, named the way the loader names kept files."""
    path = db.parent / folder / f"{now - age:%Y%m%d-%H%M%S-%f}_{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("kept", "utf-8")
    return path


def _personal(text: str) -> str:
    """``text`` with a surname column added: personal data a return must not carry."""
    head, *rows = text.splitlines()
    return "\n".join([f"{head},Surname", *(f"{r},Smith" for r in rows)]) + "\n"


def test_files_older_than_the_setting_go_newer_stay(db: Path) -> None:
    old = _kept(db, "rejected", "visits_2021-05.csv", timedelta(days=91))
    old_report = _kept(db, "rejected", "visits_2021-05.csv.report.json", timedelta(days=91))
    old_processed = _kept(db, "processed", "icpc_2021-05.csv", timedelta(days=200))
    new = _kept(db, "rejected", "visits_2021-06.csv", timedelta(days=89))
    new_processed = _kept(db, "processed", "icpc_2021-06.csv", timedelta(days=1))
    assert tidy(db, 90, now=NOW) == [*sorted([old, old_report]), old_processed]
    assert not old.exists() and not old_report.exists() and not old_processed.exists()
    assert new.exists() and new_processed.exists()


def test_without_a_time_stamp_the_modification_time_counts(db: Path) -> None:
    by_hand = db.parent / "rejected" / "put_here_by_hand.csv"
    by_hand.parent.mkdir(parents=True)
    by_hand.write_text("kept", "utf-8")
    recent = db.parent / "rejected" / "recent.csv"
    recent.write_text("kept", "utf-8")
    old = (NOW - timedelta(days=100)).timestamp()
    os.utime(by_hand, (old, old))
    os.utime(recent, (NOW.timestamp(), NOW.timestamp()))
    assert tidy(db, 90, now=NOW) == [by_hand]
    assert recent.exists()


def test_symlinks_are_never_followed(tmp_path: Path, db: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    precious = outside / "20000101-000000-000000_precious.csv"
    precious.write_text("not the loader's to delete", "utf-8")
    old = (NOW - timedelta(days=1000)).timestamp()
    os.utime(precious, (old, old))
    rejected = db.parent / "rejected"
    rejected.mkdir(parents=True)
    link = rejected / "20000101-000000-000000_link.csv"
    link.symlink_to(precious)
    (rejected / "20000101-000000-000000_folder").symlink_to(outside, target_is_directory=True)
    (db.parent / "processed").symlink_to(outside, target_is_directory=True)  # the whole folder
    assert tidy(db, 1, now=NOW) == []
    assert precious.read_text("utf-8") == "not the loader's to delete"
    assert link.is_symlink()


def test_at_least_a_day(db: Path) -> None:
    with pytest.raises(ValueError, match="at least a day"):
        tidy(db, 0)


def test_the_setting_defaults_to_90_days_and_is_checked(tmp_path: Path) -> None:
    assert load_config(DEFAULT_CONFIG).retention_days == 90
    text = DEFAULT_CONFIG.read_text("utf-8")
    assert "\nretention_days: 90\n" in text
    for value, expected in (("", 90), ("retention_days: 30\n", 30)):
        path = tmp_path / f"council{expected}.yaml"
        path.write_text(text.replace("\nretention_days: 90\n", f"\n{value}"), "utf-8")
        assert load_config(path).retention_days == expected  # an old file without it loads
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("retention_days: 90", "retention_days: 0"), "utf-8")
    with pytest.raises(ValueError, match="retention_days"):
        load_config(bad)


def test_each_load_tidies_first(tmp_path: Path, db: Path) -> None:
    old = db.parent / "processed" / "20000101-000000-000000_visits_2000-01.csv"
    old.parent.mkdir(parents=True)
    old.write_text("kept", "utf-8")
    [result] = load_paths(db, [put(tmp_path / "in", "caseloads_2021-05.csv", CASELOADS)])
    assert result.status == "loaded"
    assert not old.exists()


def test_tidy_command_says_how_many_it_removed(db: Path, capsys) -> None:
    now = datetime.now()  # the command tidies by the real clock
    _kept(db, "rejected", "visits_2021-05.csv", timedelta(days=31), now)
    _kept(db, "processed", "icpc_2021-05.csv", timedelta(days=29), now)
    assert main(["tidy", "--db", str(db), "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "removed rejected/" in out and "_visits_2021-05.csv" in out
    assert "Removed 1 kept file(s) older than 30 days" in out
    assert len(list((db.parent / "processed").iterdir())) == 1
    with pytest.raises(SystemExit):
        main(["tidy", "--db", str(db), "--days", "0"])


def test_a_refused_file_that_held_personal_data_leaves_only_its_report(
    tmp_path: Path, db: Path
) -> None:
    """The kept-copy rule itself, whatever the reader decides about the column."""
    path = put(tmp_path, "caseloads_2021-05.csv", CASELOADS)
    fc = check_path(path)
    report = ValidationReport(
        file_name=fc.file_name,
        problems=[Finding("caseload_range", "Caseload is not a number", column="caseload")],
        warnings=[Finding("personal_data_dropped", "Column 'Surname' dropped", column="Surname")],
    )
    personal = FileCheck(fc.file_name, fc.source, fc.sha256, report, None)
    assert personal.held_personal_data and not fc.held_personal_data
    fc.discard()
    kept = keep_rejected(db, personal)
    assert [p.name for p in kept.parent.iterdir()] == [kept.name + ".report.json"]
    saved = json.loads(Path(f"{kept}.report.json").read_text("utf-8"))
    assert saved["original_not_kept"] == NOT_KEPT_PERSONAL
    assert "Smith" not in Path(f"{kept}.report.json").read_text("utf-8")


def test_a_refused_upload_or_file_with_a_personal_column_is_never_copied(
    tmp_path: Path, db: Path
) -> None:
    """Through the public path: refused (a bad caseload) and holding a surname column."""
    text = _personal(CASELOADS.replace(",27\n", ",lots\n"))
    path = put(tmp_path / "in", "caseloads_2021-05.csv", text)
    [result] = load_paths(db, [path])
    assert result.status == "rejected" and result.not_kept == NOT_KEPT_PERSONAL
    assert NOT_KEPT_PERSONAL in result.message
    rejected = db.parent / "rejected"
    assert [p.name for p in rejected.iterdir()] == [result.kept_at.name + ".report.json"]
    assert "Smith" not in (rejected / f"{result.kept_at.name}.report.json").read_text("utf-8")
    assert path.exists(), "the analyst's own file is theirs to delete"


def test_the_drop_folder_deletes_a_loaded_original_that_held_personal_data(
    tmp_path: Path, db: Path
) -> None:
    """A drop-folder file whose personal column was dropped while it was read loads, and
    only its report goes to processed/; a clean file is moved there whole, as before."""
    inbox = tmp_path / "inbox"
    personal = put(inbox, "visits_2021-05.csv", _personal(VISITS))
    clean = put(inbox, "caseloads_2021-05.csv", CASELOADS)
    results = load_paths(db, [inbox], source="watch", move_to_processed=True)
    assert [r.status for r in results] == ["loaded", "loaded"]
    by_name = {r.file_name: r for r in results}
    assert by_name[personal.name].not_kept == NOT_KEPT_PERSONAL
    assert NOT_KEPT_PERSONAL in by_name[personal.name].message
    assert not personal.exists() and not clean.exists()
    processed = sorted(p.name for p in (db.parent / "processed").iterdir())
    assert processed == sorted(
        [by_name[clean.name].kept_at.name, by_name[personal.name].kept_at.name + ".report.json"]
    )
    assert by_name[clean.name].kept_at.read_text("utf-8") == CASELOADS
