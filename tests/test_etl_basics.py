"""Working days, date parsing, declarations and their suites, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from etl.check.suites import stale_suites
from etl.check.validate import parse_dates
from etl.returns import all_returns, fold_header
from etl.workdays import working_days_between

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Thu 1 Apr 2021 → Thu 22 Apr 2021. Working days after the 1st: Fri 2 (Good Friday,
        # holiday), Mon 5 (Easter Monday, holiday), 6-9 (4), 12-16 (5), 19-22 (4) = 13.
        (date(2021, 4, 1), date(2021, 4, 22), 13),
        # Without Easter the same span would be 15; check a plain span too:
        # Mon 7 Jun 2021 → Mon 28 Jun 2021: 8-11 (4), 14-18 (5), 21-25 (5), 28 (1) = 15.
        (date(2021, 6, 7), date(2021, 6, 28), 15),
        # Mon 20 Dec 2021 → Fri 7 Jan 2022. 21-24 (4); Sat 25/Sun 26 Christmas fall at the
        # weekend so Mon 27 and Tue 28 are substitute bank holidays; 29-31 (3);
        # Mon 3 Jan 2022 is the substitute for New Year's Day (Sat 1 Jan); 4-7 (4). = 11.
        (date(2021, 12, 20), date(2022, 1, 7), 11),
        # A strategy discussion on a Saturday: Sat 3 Jul 2021 → Mon 5 Jul = 1 working day.
        (date(2021, 7, 3), date(2021, 7, 5), 1),
        (date(2021, 7, 5), date(2021, 7, 5), 0),
    ],
)
def test_working_days_across_bank_holidays(start, end, expected):
    assert working_days_between(start, end) == expected


def test_uk_iso_and_excel_dates_parse_and_impossible_dates_do_not():
    got = parse_dates(
        pd.Series(
            [
                "31/05/2021",
                "2021-05-31",
                "1/6/2021",
                "31-May-2021",
                "2021-05-31 14:30:00",
                "31/02/2021",
                "2021-13-01",
                "",
                "soon",
            ]
        )
    )
    assert list(got[:5].dt.date) == [
        date(2021, 5, 31),
        date(2021, 5, 31),
        date(2021, 6, 1),
        date(2021, 5, 31),
        date(2021, 5, 31),
    ]
    assert got[5:].isna().all()


def test_header_folding_makes_variants_one_key():
    assert fold_header("Child Unique ID") == fold_header("child_unique_id") == "childuniqueid"
    assert fold_header(" F.T.E. ") == "fte"


def test_every_return_is_declared_with_aliases_and_types():
    specs = all_returns()
    assert {"caseloads", "visits", "icpc", "supervision"} <= set(specs)
    visits = specs["visits"]
    assert visits.alias_map()[fold_header("Allocated Worker")] == "worker_id"
    assert (
        specs["icpc"].alias_map()[
            fold_header("Strategy discussion initiating Section 47 Enquiry Start Date")
        ]
        == "strategy_date"
    )
    assert specs["caseloads"].unique == ("worker_id",)


def test_stored_expectation_suites_match_declarations():
    assert stale_suites() == []


def run_cli(*args: str, env_db: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_cli_load_exit_codes_and_status(tmp_path):
    db = tmp_path / "csc.duckdb"
    good = tmp_path / "icpc_2021-04.csv"
    good.write_text("child_id,team,strategy_date,icpc_date\nC1,S1,01/04/2021,22/04/2021\n")
    bad = tmp_path / "icpc_2021-05.csv"
    bad.write_text("child_id,team,strategy_date,icpc_date\nC1,S1,01/05/2021,22/04/2021\n")
    ok = run_cli("load", str(good), "--db", str(db))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "loaded" in ok.stdout
    failed = run_cli("load", str(bad), "--db", str(db))
    assert failed.returncode == 1
    assert "icpc_date is before strategy_date" in failed.stdout
    status = run_cli("status", "--db", str(db))
    assert status.returncode == 0
    assert "icpc         2021-04" in status.stdout
    assert "2021-05" not in status.stdout


def test_returns_contract_in_docs_matches_the_declarations() -> None:
    # docs/returns.md is written from etl/spec by `python -m etl docs`; an edited YAML file
    # without a regenerated contract fails here.
    from etl import returns_doc

    assert returns_doc.is_current(), "run: python -m etl docs"
    text = returns_doc.render()
    for spec_name in ("caseloads", "visits", "icpc", "supervision"):
        assert f"## `{spec_name}`" in text
    assert "one of `ASYE`, `QSW`, `SENIOR`, `MANAGER`, `OTHER`" in text
