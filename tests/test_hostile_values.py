"""The hostile corpus's awkward-but-valid files load the values a council meant, and its
refusals name columns, patterns and rows, never a value (issue #19, item 5)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.check.identifiers import is_nhs_number, strip_invisible
from etl.check.privacy import personal_data_reason
from etl.returns import fold_header
from etl.write.load import FileCheck, check_file

FILES = Path(__file__).resolve().parent / "hostile" / "files"


def _checked(name: str) -> FileCheck:
    return check_file(name, (FILES / name).read_bytes())


def _frame(name: str) -> pd.DataFrame:
    fc = _checked(name)
    try:
        assert fc.accepted, fc.report.to_text()
        return pd.read_parquet(fc.units[0].staged)
    finally:
        fc.discard()


def test_european_csv_reads_decimal_commas() -> None:
    frame = _frame("caseloads_2021-06-european-semicolon.csv")
    assert frame.set_index("worker_id")["fte"].to_dict() == {"W1": 1.0, "W2": 0.8, "W3": 1.0}


@pytest.mark.parametrize(
    "name", ["caseloads_2021-06-sep-hint.csv", "caseloads_2021-06-title-rows.csv"]
)
def test_hint_lines_and_title_rows_are_passed_over(name: str) -> None:
    frame = _frame(name)
    assert list(frame["worker_id"]) == ["W1", "W2", "W3"]
    assert list(frame["caseload"]) == [18, 15, 12]


def test_iso_utc_times_are_read_as_the_time_in_england() -> None:
    frame = _frame("edt_contacts_2021-06-iso-utc.csv").set_index("contact_id")
    assert frame.loc["E1", "received_at"] == datetime(2021, 6, 28, 19, 56)  # 18:56Z = 19:56 BST
    assert frame.loc["E3", "handed_over_at"] == datetime(2021, 6, 10, 8, 32)


def test_dates_that_can_only_be_uk_decide_the_file() -> None:
    frame = _frame("visits_2021-06-uk-dates-decided.csv").set_index("child_id")
    assert frame.loc["C1", "due_date"].date() == date(2021, 6, 4)  # 04/06 is 4 June here
    assert frame.loc["C4", "visit_date"].date() == date(2021, 6, 3)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("visits_2021-06-child-id-nhs-number.csv", ["9990000018", "999 000 0026"]),
        ("icpc_2021-06-child-id-upn.csv", ["A123456789012"]),
        ("caseloads_2021-06-postcode-in-team.csv", ["ZZ99 3WZ"]),
        ("caseloads_2021-06-latin1-row.csv", ["Caf", "quipe"]),
    ],
)
def test_refusals_never_quote_a_value(name: str, values: list[str]) -> None:
    fc = _checked(name)
    fc.discard()
    assert not fc.accepted
    text = fc.report.to_text() + fc.report.to_json()
    for value in values:
        assert value not in text


def test_look_alike_and_other_personal_headings_are_dropped_and_the_file_not_kept() -> None:
    fc = _checked("caseloads_2021-06-personal-cyrillic-name.csv")
    try:
        assert fc.accepted and fc.held_personal_data
        assert "Nаme" not in pd.read_parquet(fc.units[0].staged).columns
    finally:
        fc.discard()


def test_headings_fold_look_alikes_and_invisible_characters() -> None:
    assert fold_header("N\u0430me") == "name"  # Cyrillic а
    assert fold_header("Wor\u200bker ID") == fold_header("Worker ID")
    assert fold_header("Ｃｈｉｌｄ ＩＤ") == "childid"  # full-width letters
    assert personal_data_reason("N\u0430me") == "a name"
    assert personal_data_reason("Name of Team") is None
    assert personal_data_reason("Team Name") is None


def test_nhs_numbers_are_recognised_by_their_check_digit() -> None:
    assert is_nhs_number("9990000018") and is_nhs_number("999 000 0018")
    assert not is_nhs_number("9990000019")  # wrong check digit
    assert not is_nhs_number("C000001") and not is_nhs_number("12345")


def test_invisible_characters_are_stripped_and_counted() -> None:
    cleaned, n = strip_invisible(pd.Series(["W1", "W\u200b1", "W\u2060\u200d2", None]))
    assert n == 2 and list(cleaned[:3]) == ["W1", "W1", "W2"]


def test_staff_names_in_worker_id_are_pseudonymised() -> None:
    frame = _frame("caseloads_2021-06-staff-names-in-worker-id.csv")
    ids = list(frame["worker_id"])
    # two of the three values are names: the column is one of names, so W3 is replaced too
    assert all(i.startswith("P-") for i in ids) and len(set(ids)) == 3
    assert not {"Delta Arthur", "Mary-Jane O'Neill"} & set(ids)
