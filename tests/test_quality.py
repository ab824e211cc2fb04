"""Data quality: the coverage grid shows gaps and replacements, the history every attempt,
and KPI pages warn when a month was replaced after the board last met."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo.council import RETURN_COLUMNS
from demo.files import write_returns
from etl.write.load import load_paths
from metrics import quality
from tests.conftest import app_reads

ROOT = Path(__file__).resolve().parent.parent
APRIL, MAY, JUNE = date(2021, 4, 1), date(2021, 5, 1), date(2021, 6, 1)


@pytest.fixture(scope="module")
def gappy_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """April to June 2021 with May's supervision return missing and April's caseloads
    sent twice (the second time one worker shorter), plus one refused file."""
    root = tmp_path_factory.mktemp("quality")
    files = {p.name: p for p in write_returns(root / "in", months=3, end=JUNE)}
    del files["supervision_2021-05.csv"]
    db = root / "store" / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, list(files.values())))
    resent = root / "again" / "caseloads_2021-04.csv"
    resent.parent.mkdir()
    resent.write_text(
        "".join(files["caseloads_2021-04.csv"].read_text().splitlines(keepends=True)[:-1])
    )
    bad = root / "again" / "visits_2021-06.csv"
    bad.write_text("child_id,team\nC1,Team A\n")
    results = load_paths(db, [resent, bad])
    assert [r.status for r in results] == ["replaced", "rejected"]
    with app_reads(db):
        yield db


def test_coverage_grid_shows_loaded_replaced_and_missing(gappy_db: Path) -> None:
    grid = quality.coverage(gappy_db)
    assert list(grid.columns) == ["April 2021", "May 2021", "June 2021"]
    assert grid.loc["Case supervision", "May 2021"] == quality.MISSING
    assert grid.loc["Caseloads", "April 2021"] == quality.REPLACED
    assert (
        grid.loc["Statutory visits", "June 2021"] == quality.LOADED
    )  # the refusal changed nothing
    assert quality.gaps(gappy_db) == ["Case supervision, May 2021"]


def test_history_lists_every_attempt_with_its_reason(gappy_db: Path) -> None:
    history = quality.load_history(gappy_db)
    # Every return for April to June less May's supervision, then April again, and a refusal.
    assert len(history) == len(RETURN_COLUMNS) * 3 - 1 + 2
    refused = history[history["Outcome"] == "Rejected"].iloc[0]
    assert refused["File"] == "visits_2021-06.csv" and "missing" in refused["Reason"].lower()


def test_replaced_after_the_board_met(gappy_db: Path) -> None:
    # The last board meeting in config/council.yaml is 15 March 2022; the replacement was today.
    assert quality.last_board_meeting(date(2022, 6, 1)) == date(2022, 3, 15)
    assert quality.replaced_since_board(gappy_db, APRIL) == ["Caseloads"]
    assert quality.replaced_since_board(gappy_db, MAY) == []
    # Before any board meeting there is nothing to warn about.
    assert quality.replaced_since_board(gappy_db, APRIL, today=date(2019, 1, 1)) == []


def test_pages_show_the_grid_and_the_warnings(gappy_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/data_quality.py").run()
    assert not at.exception
    coverage = at.table[0].value  # one row per return, its months in words: fits the page
    assert coverage.loc["Case supervision", "✖ Missing"] == "1: May 2021"
    assert coverage.loc["Caseloads", "↻ Replaced"] == "1: April 2021"
    assert any("Case supervision, May 2021" in c.value for c in at.caption)
    summary = at.dataframe[0].value  # checks by return and month
    assert len(summary) == len(RETURN_COLUMNS) * 3 - 1  # April to June, less May's supervision
    assert set(summary["Checks"]) == {"Passed all checks"}
    # A KPI page for April warns that Caseloads was replaced after the board met.
    at.sidebar.selectbox(key="as_at").select("2021-04-01").run()
    at.switch_page("app_pages/caseloads.py").run()
    assert not at.exception
    assert any("Changed since the board met on 15 March 2022" in w.value for w in at.warning)
    # May lacks the supervision return: every page says so.
    at.sidebar.selectbox(key="as_at").select("2021-05-01").run()
    assert any("Missing for May 2021: the Case supervision return" in w.value for w in at.warning)


def test_validation_summary_counts_warnings_and_refusals(tmp_path: Path) -> None:
    """A hand-made July 2021 ICPC return: first sent with a broken date (refused), then sent
    with 3 rows of which 2 have no conference date yet (allowed, so a warning on 2 rows)."""
    db, folder = tmp_path / "store" / "csc.duckdb", tmp_path / "in"
    folder.mkdir()
    header = "child_id,team,strategy_date,icpc_date\n"
    bad = folder / "icpc_2021-07.csv"
    bad.write_text(header + "C1,Safeguarding 1,31 Febtember 2021,\n")
    assert [r.status for r in load_paths(db, [bad])] == ["rejected"]
    good = folder / "fixed" / "icpc_2021-07.csv"
    good.parent.mkdir()
    good.write_text(
        header
        + "C1,Safeguarding 1,2021-07-01,2021-07-12\n"
        + "C2,Safeguarding 1,2021-07-20,\n"
        + "C3,Safeguarding 2,2021-07-28,\n"
    )
    assert [r.status for r in load_paths(db, [good])] == ["loaded"]
    summary = quality.validation_summary(db)
    assert len(summary) == 1  # one return-month is loaded; the refusal is counted against it
    row = summary.iloc[0]
    assert (row["Return"], row["Month"], row["Rows"]) == (
        "Initial child protection conferences",
        "July 2021",
        3,
    )
    assert row["Checks"] == "Passed all checks"
    assert row["Warnings"] == 1 and "icpc_date" in row["Warned about"]
    assert row["Rows with warnings"] == 2  # C2 and C3 have no conference date yet
    assert row["Refused before"] == 1
