"""The real-format SSDA903 tables, each loaded as published, one test each.

The files are other projects' synthetic fixtures, byte for byte (``/work/shared/real-formats``):
liia-tools-pipeline's 2020 episodes and header tables, and the DfE 903 validator's test tables
(Data to Insight), which carry deliberate errors. Their collection year is in the pipeline's
file names (``SSDA903_2020_…``: April 2019 – March 2020); the validator's names give none, so
each is loaded with the extract date its dates fit, as an analyst types it (``--as-at``). The
expected figures were counted from the files by hand (a pandas one-liner over the CSV,
recorded beside each).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.write.load import LoadResult, load_paths
from metrics import api
from tests.conftest import REAL_FORMATS as REAL

if not REAL.is_dir():
    pytest.skip(f"real-format files not found in {REAL}", allow_module_level=True)

EPISODES = REAL / "sf-liiapipeline__SSDA903_2020_episodes.csv"
HEADER = REAL / "sf-liiapipeline__SSDA903_2020_header.csv"


def _load(tmp_path: Path, *names: str, as_at: date | None = None) -> tuple[Path, LoadResult]:
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [REAL / n for n in names], as_at=as_at)
    return db, result


def _rules(result: LoadResult) -> dict[str, list[int]]:
    return {
        f.check.removeprefix("ssda903_rule_"): f.example_rows
        for f in result.report.warnings
        if f.check.startswith("ssda903_rule_")
    }


def _rows(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table in names else 0
    finally:
        con.close()


def test_pipeline_episodes_every_child_has_a_dfe_error_so_the_file_is_refused(
    tmp_path: Path,
) -> None:
    db, result = _load(tmp_path, EPISODES.name)
    assert result.status == "rejected"
    # Child 689661's episodes overlap: 2 Dec 2018 – 16 May 2019 (S) with 11 Dec 2018 (P, row
    # 2) and that one, to 18 Jul 2019, with 16 May 2019 (T, row 4): rule 501. Child 249901's
    # second episode has RNE "*DUMMY*" (row 6): rule 143. Each child's rows are set aside.
    assert _rules(result) == {"501": [2, 4], "143": [6]}
    assert any("every one of its 5 rows is set aside" in p.message for p in result.report.problems)
    assert result.not_kept and "personal data" in result.not_kept  # HOME_POST, PL_POST
    assert _rows(db, "looked_after") == 0


def test_pipeline_header_alone_fills_nothing_and_keeps_no_date_of_birth(tmp_path: Path) -> None:
    _, result = _load(tmp_path, HEADER.name)
    assert result.status == "rejected"
    assert [p.check for p in result.report.problems] == ["ssda903_nothing_filled"]
    dropped = {f.column for f in result.report.warnings if f.check == "personal_data_dropped"}
    assert dropped == {"DOB", "UPN", "MC_DOB"}
    # 689661 on rows 2-4, 249901 on rows 5-6: a note, not an error that sets rows aside
    [twice] = [f for f in result.report.warnings if "more than one row" in f.message]
    assert twice.example_rows == [2, 3, 4, 5, 6]
    assert result.not_kept


def test_pipeline_header_and_episodes_together(tmp_path: Path) -> None:
    _, result = _load(tmp_path, EPISODES.name, HEADER.name)
    assert result.status == "rejected"
    # The header's dates of birth (2012-2017) are all before the episodes (2018-19): no
    # rule 302; the episodes' own errors refuse the set as above.
    assert _rules(result) == {"501": [2, 4], "143": [6]}
    assert "Header (sf-liiapipeline__SSDA903_2020_header.csv): 5 rows read" in "\n".join(
        result.report.lists
    )


def test_validator_missing_table(tmp_path: Path) -> None:
    db, result = _load(tmp_path, "d2i-903__missing.csv", as_at=date(2018, 3, 31))
    assert result.status == "loaded", result.report.to_text()
    # 43 rows, none with an error; 3 began in March 2017, before the year: 40 stored
    assert "43 rows read, 0 set aside, months April 2017 – March 2018" in result.report.lists[0]
    assert _rows(db, "missing_episodes") == 40
    # By month (MISSING = M): Nov 2017 4 episodes of 4 children, Jan 2018 3, Apr 2017 none
    # (3 away without authorisation only). pandas: d[d.MISSING == "M"].groupby(month).size()
    values = api.kpi_values(
        db,
        ["cla_missing_episodes", "cla_children_missing"],
        months=[date(2017, 11, 1), date(2018, 1, 1), date(2017, 4, 1)],
        teams=["ALL"],
    )
    got = {(r.kpi, r.month.month): r.value for r in values.itertuples()}
    assert got[("cla_missing_episodes", 11)] == 4 and got[("cla_children_missing", 11)] == 4
    assert got[("cla_missing_episodes", 1)] == 3
    assert got[("cla_missing_episodes", 4)] == 0


def test_validator_oc3_table(tmp_path: Path) -> None:
    db, result = _load(tmp_path, "d2i-903__oc3.csv", as_at=date(2018, 3, 31))
    assert result.status == "loaded", result.report.to_text()
    # ACTIV F3/P3 (12 rows; not in the DfE's list since 2016) and ACCOM 01, 02, S1 (3 rows,
    # 1 of them also F3/P3): 14 set aside, 39 stored at 31 March 2018
    rules = _rules(result)
    assert len(result.report.warnings) and set(rules) == {"132", "133"}
    assert rules["133"] == [2, 47, 54]
    assert _rows(db, "care_leavers") == 39
    # Of the 39, 8 died: 31 counted. In touch (YES) 9; accommodation digit 1 (suitable) 18;
    # F1/P1/F2/P2/F4/P4/F5/P5 14.
    values = api.kpi_values(
        db,
        ["care_leavers_in_touch_pct", "care_leavers_suitable_accommodation_pct",
         "care_leavers_eet_pct"],
        months=[date(2018, 3, 1)],
        teams=["ALL"],
    )  # fmt: skip
    got = dict(zip(values["kpi"], values["value"], strict=True))
    assert got["care_leavers_in_touch_pct"] == pytest.approx(100 * 9 / 31)
    assert got["care_leavers_suitable_accommodation_pct"] == pytest.approx(100 * 18 / 31)
    assert got["care_leavers_eet_pct"] == pytest.approx(100 * 14 / 31)


def test_validator_reviews_table_needs_the_episodes(tmp_path: Path) -> None:
    db, result = _load(tmp_path, "d2i-903__reviews.csv", as_at=date(2018, 3, 31))
    assert result.status == "rejected"
    assert [p.check for p in result.report.problems] == ["ssda903_needs_episodes"]
    assert "12,582 rows read" in result.report.lists[0]
    # Reviews dated after 31 March 2018 (to 2030 in this fixture) are impossible in a return
    # taken that day: named, never counted.
    late = [f for f in result.report.warnings if "after 31 March 2018" in f.message]
    assert late and late[0].column == "REVIEW"
    assert _rows(db, "cla_reviews") == 0


def test_validator_social_worker_episodes_table(tmp_path: Path) -> None:
    db, result = _load(tmp_path, "d2i-903__sw_episodes.csv", as_at=date(2020, 3, 31))
    assert result.status == "loaded", result.report.to_text()
    # One row: CHILD10 with SW999 from 1 to 3 January 2020, open at no month end: twelve
    # months filled, no child with a social worker at any month end
    assert "1 rows read, 0 set aside, months April 2019 – March 2020" in result.report.lists[0]
    assert _rows(db, "allocations") == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        months = con.execute(
            "SELECT count(DISTINCT month) FROM load_log WHERE return_type = 'allocations'"
        ).fetchone()[0]
    finally:
        con.close()
    assert months == 12


def test_validator_uasc_table_is_read_but_not_used(tmp_path: Path) -> None:
    _, result = _load(tmp_path, "d2i-903__uasc.csv", as_at=date(2018, 3, 31))
    assert result.status == "rejected"
    assert "132 rows read, not used by the dashboard" in result.report.lists[0]
    assert [p.check for p in result.report.problems] == ["ssda903_nothing_filled"]
    assert result.not_kept
