"""Every return's Excel template: made from its declaration, and loading as it is once filled.

The example row is the filling: each template is saved under the name the loader expects and
loaded, all of them into one fresh store, through the real loader.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from etl.returns import all_returns
from etl.templates import EXAMPLE_DAY, file_name, template_workbook
from etl.write.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(all_returns())


@pytest.mark.parametrize("name", NAMES)
def test_the_template_says_what_goes_in_each_column(name: str) -> None:
    spec = all_returns()[name]
    wb = load_workbook(io.BytesIO(template_workbook(spec)))
    assert wb.sheetnames == ["Instructions", spec.name[:31], "Codes"]
    ws = wb[spec.name[:31]]
    headings = [c.value for c in ws[1]]
    assert headings == spec.column_names
    lists = {str(v.sqref).split(":")[0][:-1]: v for v in ws.data_validations.dataValidation}
    for i, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=i)
        assert column.description.strip()[:40] in cell.comment.text
        letter = cell.column_letter
        if column.type in ("code", "flag"):
            rule = lists[letter]
            assert rule.type == "list"
            if column.type == "flag":
                assert rule.formula1 == '"Y,N"'
            else:  # the codes, listed on the Codes sheet
                codes = [c.value for c in wb["Codes"][rule.formula1.split("$")[1]]][1:]
                assert [c for c in codes if c] == list(column.codes)
        if column.type == "date":
            assert ws.cell(row=2, column=i).number_format == "dd/mm/yyyy"
            assert ws.cell(row=500, column=i).number_format == "dd/mm/yyyy"
            assert ws.cell(row=2, column=i).value.date() == EXAMPLE_DAY
    steps = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert file_name(spec).replace("2021-05", "YYYY-MM") in steps


def test_every_filled_template_loads_as_is_into_a_fresh_store(tmp_path: Path) -> None:
    paths = []
    for name in NAMES:
        spec = all_returns()[name]
        paths.append(tmp_path / file_name(spec))
        paths[-1].write_bytes(template_workbook(spec))
    db = tmp_path / "store" / "csc.duckdb"
    results = load_paths(db, paths)
    assert [r.status for r in results] == ["loaded"] * len(NAMES), [
        r.report.to_text() for r in results if not r.ok
    ]
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name in NAMES:
            assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == 1, name
    finally:
        con.close()


def test_the_command_line_writes_a_template(tmp_path: Path) -> None:
    out = tmp_path / "sup.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "template", "supervision", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "supervision_2021-05.xlsx" in done.stdout
    assert load_workbook(out).sheetnames[1] == "supervision"
    wrong = subprocess.run(
        [sys.executable, "-m", "etl", "template", "nonesuch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode == 2 and "returns: " in wrong.stderr
