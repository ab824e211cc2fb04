"""``etl.write.load.commit_all`` writes checked files as ``commit_checked`` would, one by one.

The demo build writes a return's months in one transaction with ``commit_all``; these tests
hold it to the file-by-file path on the cases a real folder brings: new months, a file sent
twice, a month replaced, a refused file between good ones, the same bytes under another
month's name, and a reference table. The two stores must end up the same, row for row, with
the same results and the same load log and audit trail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

import etl.write.load
from demo.build import DEMO_BENCHMARKS
from demo.files import write_returns
from etl.returns import all_returns
from etl.write import store
from etl.write.load import (
    STAGE_PREFIX,
    FileCheck,
    check_path,
    commit_all,
    commit_checked,
    load_backlog,
    load_paths,
)


@pytest.fixture
def folder(tmp_path: Path) -> list[Path]:
    """Two months of every return, then the awkward cases, in the order they are loaded."""
    written = {p.name: p for p in write_returns(tmp_path / "returns", months=2)}
    odd = tmp_path / "odd"
    odd.mkdir()
    again = shutil.copy(written["caseloads_2022-03.csv"], odd / "caseloads_2022-03.csv")
    changed = odd / "changed" / "caseloads_2022-03.csv"
    changed.parent.mkdir()
    text = written["caseloads_2022-03.csv"].read_text(encoding="utf-8")
    changed.write_text(text.replace(",QSW,1,N,", ",QSW,0.8,N,", 1), encoding="utf-8")
    bad = odd / "bad" / "caseloads_2022-02.csv"
    bad.parent.mkdir()
    bad.write_text(text.replace(",QSW,1,N,", ",QSW,one,N,", 1), encoding="utf-8")
    other_month = shutil.copy(written["caseloads_2022-02.csv"], odd / "caseloads_2022-01.csv")
    good = sorted(written.values())
    middle = len(good) // 2
    return [
        *good[:middle],
        bad,
        *good[middle:],
        Path(again),
        changed,
        Path(other_month),
        DEMO_BENCHMARKS,
    ]


def _checked(paths: list[Path]) -> list[FileCheck]:
    return [check_path(p) for p in paths]


def _contents(db: Path) -> dict[str, list[tuple]]:
    """Every return table's rows, the load log and the audit trail, without ids and times."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {
            name: con.execute(f"SELECT * EXCLUDE (load_id) FROM {name} ORDER BY ALL").fetchall()
            for name in all_returns()
        }
        out["load_log"] = con.execute(
            "SELECT file_name, sha256, return_type, month, rows, status, reason, warnings, "
            "source, origin FROM load_log ORDER BY load_id"
        ).fetchall()
        out["audit"] = con.execute(
            "SELECT action, what, detail FROM audit ORDER BY audit_id"
        ).fetchall()
        # Each stored row belongs to the load-log row of the file and month it came from.
        out["orphans"] = con.execute(
            "SELECT count(*) FROM caseloads c LEFT JOIN load_log l USING (load_id) "
            "WHERE l.month IS DISTINCT FROM c.month OR l.return_type <> 'caseloads'"
        ).fetchall()
        return out
    finally:
        con.close()


def test_a_folder_written_together_is_the_store_written_file_by_file(
    folder: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_by_one, together = tmp_path / "a" / "csc.duckdb", tmp_path / "b" / "csc.duckdb"
    with store.open_writer(one_by_one) as con:
        singly = [commit_checked(con, one_by_one, fc, "cli") for fc in _checked(folder)]
    alone: list[str] = []  # the files commit_all hands to commit_checked

    def spied(con, db, fc, *args, **kwargs):
        alone.append(fc.file_name)
        return commit_checked(con, db, fc, *args, **kwargs)

    monkeypatch.setattr(etl.write.load, "commit_checked", spied)
    with store.open_writer(together) as con:
        batched = commit_all(con, together, _checked(folder), "cli")
    # Only the awkward files went one by one; every new month was written in a run.
    assert alone == [
        "caseloads_2022-02.csv",
        "caseloads_2022-03.csv",
        "caseloads_2022-03.csv",
        "caseloads_2022-01.csv",
        "northmoor_benchmarks.csv",
    ]
    assert [(r.file_name, r.status, r.message) for r in batched] == [
        (r.file_name, r.status, r.message) for r in singly
    ]
    # The cases are what they are meant to be, so the comparison covers each path: the bad
    # file between good ones, then resent, replaced, another month's bytes, a reference table.
    assert [r.status for r in batched].count("rejected") == 2
    bad_at = next(i for i, p in enumerate(folder) if p.parent.name == "bad")
    assert (batched[bad_at].file_name, batched[bad_at].status) == (folder[bad_at].name, "rejected")
    assert [r.status for r in batched[-4:]] == ["unchanged", "replaced", "rejected", "loaded"]
    assert "byte-for-byte the same as caseloads_2022-02.csv" in batched[-2].message
    assert _contents(together) == _contents(one_by_one)
    assert _contents(together)["orphans"] == [(0,)]


def test_a_run_that_fails_to_write_leaves_none_of_its_files(
    folder: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "csc.duckdb"
    good = [p for p in folder if p.parent.name == "returns"]
    with store.open_writer(db) as con:
        commit_all(con, db, _checked(good[:3]), "cli")
    checks = _checked(good[3:])
    shutil.rmtree(checks[-1].stage)  # its staged rows are gone before they are written
    with store.open_writer(db) as con, pytest.raises(duckdb.Error):
        commit_all(con, db, checks, "cli")
    con = duckdb.connect(str(db), read_only=True)
    try:
        logged = [r[0] for r in con.execute("SELECT file_name FROM load_log").fetchall()]
    finally:
        con.close()
    assert sorted(logged) == sorted(p.name for p in good[:3])


def test_a_backlog_loads_as_the_command_line_loads_it_file_by_file(
    folder: list[Path], tmp_path: Path
) -> None:
    """``load_backlog`` (files checked a return at a time, then ``commit_all``) ends with the
    results and the store ``load_paths`` gives the same folder file by file, awkward files
    and all, and keeps no staging folder behind."""
    one_by_one, backlog = tmp_path / "a" / "csc.duckdb", tmp_path / "b" / "csc.duckdb"
    singly = load_paths(one_by_one, folder)
    together = load_backlog(backlog, folder)
    assert [(r.file_name, r.status, r.message) for r in together] == [
        (r.file_name, r.status, r.message) for r in singly
    ]
    assert [r.status for r in together].count("rejected") == 2
    assert _contents(backlog) == _contents(one_by_one)
    assert not list(Path(tempfile.gettempdir()).glob(f"{STAGE_PREFIX}{os.getpid()}-*"))
