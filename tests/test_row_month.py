"""Each row in its own month: a monthly return declares the column that puts a row in its
month (``month_column``), and a file's rows must lie in the file's month.

The case that used to pass: June 2021's visits named ``visits_2021-07.csv``. Every visit is
due in June, a few were made in July, so "every date in one other month" did not fire, and the
file replaced July. Now it is refused naming June.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.returns import DeclarationError, _load, all_returns
from etl.returns_doc import render
from etl.write.load import load_paths
from tests.conftest import table_checksums

HEADER = "child_id,team,worker_id,plan_type,due_date,visit_date,seen,seen_alone\n"
JULY = (
    HEADER + "C1,Safeguarding 1,W1,CP,05/07/2021,05/07/2021,Y,Y\n"
    "C2,Safeguarding 1,W1,CIN,20/07/2021,,N,\n"
)
#: June's visits: every due date in June; C3 and C4 were visited in July.
JUNE = (
    HEADER + "C1,Safeguarding 1,W1,CP,07/06/2021,04/06/2021,Y,Y\n"
    "C2,Safeguarding 1,W1,CIN,14/06/2021,10/06/2021,Y,N\n"
    "C3,Safeguarding 1,W2,CLA,28/06/2021,01/07/2021,Y,N\n"
    "C4,Safeguarding 1,W2,CP,30/06/2021,02/07/2021,Y,Y\n"
)


def _put(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_june_visits_named_july_are_refused_naming_june(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    [first] = load_paths(db, [_put(tmp_path / "a", "visits_2021-07.csv", JULY)])
    assert first.status == "loaded"
    before = table_checksums(db)
    [result] = load_paths(db, [_put(tmp_path / "b", "visits_2021-07.csv", JUNE)])
    assert result.status == "rejected"
    [problem] = [p for p in result.report.problems if p.check == "row_in_month"]
    assert "every row's due_date is in June 2021" in problem.message
    assert "visits_2021-06" in problem.fix
    assert problem.rows_affected == 4 and problem.example_rows == [2, 3, 4, 5]
    # one finding says it, not a second "every date in one other month" beside it
    assert [p.check for p in result.report.problems] == ["row_in_month"]
    assert table_checksums(db) == before  # July is still July's


def test_rows_outside_the_month_are_refused_by_row_number(tmp_path: Path) -> None:
    """Rows 3 and 5 (file rows, the header being row 1) are due in June in May's file."""
    text = (
        HEADER + "C1,Safeguarding 1,W1,CP,10/05/2021,07/05/2021,Y,Y\n"
        "C2,Safeguarding 1,W1,CIN,02/06/2021,,N,\n"
        "C3,Safeguarding 1,W2,CLA,31/05/2021,28/05/2021,Y,N\n"
        "C4,Safeguarding 1,W2,CP,2021-06-15,,N,\n"
    )
    [result] = load_paths(tmp_path / "csc.duckdb", [_put(tmp_path, "visits_2021-05.csv", text)])
    assert result.status == "rejected"
    [problem] = result.report.problems
    assert problem.check == "row_in_month" and problem.column == "due_date"
    assert problem.message.startswith("due_date is outside May 2021")
    assert (problem.rows_affected, problem.example_rows) == (2, [3, 5])


def test_a_contact_just_after_midnight_in_england_belongs_to_the_next_month(
    tmp_path: Path,
) -> None:
    """23:30 UTC on 31 May 2021 is 00:30 on 1 June in England (BST): June's contact."""
    header = "contact_id,child_id,team,received_at,handed_over_at,outcome\n"
    assert all_returns()["edt_contacts"].month_column == "received_at"
    text = (
        header + "E1,,Front Door,2021-05-31T23:30:00Z,,ADVICE\n"
        "E2,,Front Door,2021-05-12T10:00:00Z,,ADVICE\n"
    )
    path = _put(tmp_path, "edt_contacts_2021-05.csv", text)
    [result] = load_paths(tmp_path / "csc.duckdb", [path])
    found = [p for p in result.report.problems if p.check == "row_in_month"]
    assert [(p.rows_affected, p.example_rows) for p in found] == [(1, [2])]


def test_every_monthly_return_declares_its_month_column(tmp_path: Path) -> None:
    specs = all_returns()
    assert specs["visits"].month_column == "due_date"
    assert specs["referrals"].month_column == "referral_date"
    assert specs["caseloads"].month_column is None  # a position at month end
    body = yaml.safe_load(Path("etl/spec/visits.yaml").read_text(encoding="utf-8"))
    common = yaml.safe_load(Path("etl/spec/common_columns.yaml").read_text(encoding="utf-8"))
    for change, message in (
        ({"month_column": ...}, "missing key 'month_column'"),
        ({"month_column": "seen"}, "not a date column"),
    ):
        broken = {**body, **change}
        if broken["month_column"] is ...:
            del broken["month_column"]
        path = tmp_path / "visits.yaml"
        path.write_text(yaml.safe_dump(broken), encoding="utf-8")
        with pytest.raises(DeclarationError, match=message):
            _load(path, common)


def test_docs_say_which_column_puts_a_row_in_its_month() -> None:
    doc = render()
    visits = doc[doc.index("## `visits`") :]
    visits = visits[: visits.index("\n## ", 1)]
    assert "**Month of a row:** its `due_date`" in visits
    assert Path("docs/returns.md").read_text(encoding="utf-8") == doc
