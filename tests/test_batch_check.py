"""Several files of one return checked together give each file the verdict it gets alone.

``etl.write.load.check_paths`` checks a return's files in one Great Expectations run for their rows
(``etl.check.validate.check_returns``); the demo build relies on it. These tests hold it to the
single-file path: same verdicts, same reports, each file judged by its own month's window and
its own whole-file checks, never by the other files in the batch.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import etl.check.validate
from demo.actions import write_actions
from demo.build import build_demo
from demo.files import write_returns
from etl.write.load import FileCheck, check_path, check_paths

WINDOW = "last_supervision_date is before 2000 or later than the return month allows"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Three months (January to March 2022) of every monthly return the demo writes."""
    return {p.name: p for p in write_returns(tmp_path / "returns", months=3)}


@pytest.fixture
def gx_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each Great Expectations run was given, in order."""
    runs: list[int] = []
    real = etl.check.validate._gx_run

    def counted(definition: object, rows: pd.DataFrame, result_format: str) -> object:
        runs.append(len(rows))
        return real(definition, rows, result_format)

    monkeypatch.setattr(etl.check.validate, "_gx_run", counted)
    return runs


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must appear once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _same_as_alone(batch: list[FileCheck], paths: list[Path]) -> None:
    alone = [check_path(p) for p in paths]
    for together, single in zip(batch, alone, strict=True):
        assert together.accepted == single.accepted, together.file_name
        assert together.report.to_text() == single.report.to_text()
        if single.accepted:  # the same typed rows wait to be loaded
            assert together.checked.frame().equals(single.checked.frame())


def test_good_files_of_one_return_pass_in_one_run_as_each_would_alone(files, gx_runs) -> None:
    paths = [files[f"visits_2022-0{m}.csv"] for m in (1, 2, 3)]
    batch = check_paths(paths)
    assert [fc.accepted for fc in batch] == [True, True, True]
    assert [fc.report.rows for fc in batch] == [
        len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in paths
    ]
    # One run for all three files' rows; nothing was run again file by file.
    assert gx_runs == [sum(fc.report.rows for fc in batch)]
    _same_as_alone(batch, paths)


def test_a_date_past_its_own_months_window_refuses_only_that_file(files) -> None:
    """15 March is too late for January's file (its window ends with February) but inside
    February's and March's: judged by the batch's latest window it would pass."""
    jan, feb, mar = (files[f"supervision_2022-0{m}.csv"] for m in (1, 2, 3))
    _edit(jan, "W000001,CIN,2022-01-24\n", "W000001,CIN,2022-03-15\n")
    batch = check_paths([jan, feb, mar])
    assert [fc.accepted for fc in batch] == [False, True, True]
    [problem] = batch[0].report.problems
    assert (problem.message, problem.column, problem.rows_affected) == (
        WINDOW,
        "last_supervision_date",
        1,
    )
    assert problem.example_rows == [2]
    _same_as_alone(batch, [jan, feb, mar])


def test_a_repeated_key_refuses_only_that_file(files) -> None:
    jan, feb, mar = (files[f"caseloads_2022-0{m}.csv"] for m in (1, 2, 3))
    _edit(feb, "W000002,Assessment North,QSW,1,N,19\n", "W000001,Assessment North,QSW,1,N,19\n")
    batch = check_paths([jan, feb, mar])
    assert [fc.accepted for fc in batch] == [True, False, True]
    assert [p.message for p in batch[1].report.problems] == [
        "worker_id appears on more than one row"
    ]
    assert batch[1].report.problems[0].example_rows == [2, 3]
    _same_as_alone(batch, [jan, feb, mar])


def test_an_unreadable_value_is_reported_at_its_own_files_row(files) -> None:
    """The files' rows are typed in one pass; a value that will not read sends every file
    back to be typed alone, so February's report names February's row 3, not the pass's."""
    jan, feb, mar = (files[f"visits_2022-0{m}.csv"] for m in (1, 2, 3))
    lines = feb.read_text(encoding="utf-8").splitlines()
    row3 = lines[2].split(",")
    row3[4] = "31st Feb"  # due_date
    lines[2] = ",".join(row3)
    feb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = check_paths([jan, feb, mar])
    assert [fc.accepted for fc in batch] == [True, False, True]
    [problem] = batch[1].report.problems
    assert (problem.column, problem.rows_affected, problem.example_rows) == ("due_date", 1, [3])
    _same_as_alone(batch, [jan, feb, mar])


def test_files_with_and_without_an_optional_column_are_typed_as_alone(files) -> None:
    """January's visits list leaves out end_date (optional): typed together its cells are
    blank, as alone, and it is not warned of as blank on every row."""
    jan, feb = files["visits_asat_2022-01.csv"], files["visits_asat_2022-02.csv"]
    frame = pd.read_csv(jan, dtype=str, keep_default_na=False).drop(columns="end_date")
    frame.to_csv(jan, index=False)
    batch = check_paths([jan, feb])
    assert [fc.accepted for fc in batch] == [True, True]
    assert batch[0].checked.frame()["end_date"].isna().all()
    assert "end_date" not in batch[0].report.to_text()
    _same_as_alone(batch, [jan, feb])


def test_a_file_that_cannot_be_read_is_refused_as_alone_and_the_rest_pass(files) -> None:
    jan, feb, mar = (files[f"supervision_2022-0{m}.csv"] for m in (1, 2, 3))
    _edit(mar, "W000001,CIN,31/03/2022\n", "W000001,CIN,31/03/2022,extra\n")
    batch = check_paths([jan, mar, feb])
    assert [fc.accepted for fc in batch] == [True, False, True]
    _same_as_alone(batch, [jan, mar, feb])


def test_files_of_several_returns_keep_their_order_and_verdicts(files) -> None:
    paths = sorted(files.values())
    _edit(files["caseloads_2022-03.csv"], "W000001,Assessment North,QSW,1,N,17\n", "")
    batch = check_paths(paths)
    assert [fc.file_name for fc in batch] == [p.name for p in paths]
    _same_as_alone(batch, paths)


def test_the_demo_build_loads_every_file(tmp_path: Path) -> None:
    written = write_returns(tmp_path / "files", months=2)
    words = write_actions(tmp_path / "files", months=2)  # its commentary for those months
    results = build_demo(tmp_path / "csc.duckdb", months=2)
    # Every return-month file, the commentary, and the demo's benchmarks, each loaded once.
    assert len(results) == len(written) + len(words) + 1
    assert sorted(r.file_name for r in results) == sorted(
        [p.name for p in [*written, *words]] + ["northmoor_benchmarks.csv"]
    )
    assert all(r.status == "loaded" for r in results), [r.message for r in results if not r.ok]
