"""Great Expectations suites, generated from the return declarations.

The suite for each return is stored as JSON in ``expectations/<return>.json`` — that file is
what Great Expectations runs on every load. It is generated from ``etl/spec/<return>.yaml``
(``python -m etl suites``) so that a code list or range is declared once; a test fails if the
two drift apart. Each expectation carries, in its ``meta``, the plain-English message and fix
the analyst reads when it fails.

Dates must lie in a window: not before ``min_date`` (1 January 2000, a run parameter) and not
after the end of the month after the return month, since exports are usually run a few weeks
after month end. That end depends on the file's month, so it is not a run parameter but a
column of the rows checked (``LATEST_DATE_COLUMN``, the last instant of that day, so a
date-time at 18:30 on it is inside): the rows of several months' files can then be checked in
one run, each against its own month (``etl.check.validate.check_returns``). A date declared
``future_allowed`` (a due date, planned ahead) runs to ``max_future_date`` instead: the end of
the working-day calendar. Both halves of a window carry one message, as the analyst reads it.
"""

from __future__ import annotations

import json

from etl.check.staging import LATEST_DATE_COLUMN
from etl.returns import Column, ReturnSpec, all_returns
from etl.workdays import LAST_YEAR

UK_DATE_FIX = "Dates must be real dates written DD/MM/YYYY or YYYY-MM-DD."


def _expectation(kind: str, kwargs: dict, message: str, fix: str) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"message": message, "fix": fix}}


def _column_expectations(col: Column) -> list[dict]:
    out = []
    if col.required:
        out.append(
            _expectation(
                "expect_column_values_to_not_be_null",
                {"column": col.name},
                f"{col.name} must not be blank",
                f"Fill in {col.name} ({col.description.rstrip('.').lower()}) on every row.",
            )
        )
    if col.type == "code":
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                {"column": col.name, "value_set": list(col.codes)},
                f"{col.name} has a value that is not one of {', '.join(col.codes)}",
                f"Use one of the codes {', '.join(col.codes)}.",
            )
        )
    if col.type in ("number", "integer") and (col.min is not None or col.max is not None):
        low = "more than" if col.min_exclusive else "at least"
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                {
                    "column": col.name,
                    "min_value": col.min,
                    "max_value": col.max,
                    "strict_min": col.min_exclusive,
                },
                f"{col.name} is out of range ({low} {col.min:g}, at most {col.max:g})",
                f"Correct {col.name} on those rows.",
            )
        )
    if col.type in ("date", "datetime"):
        out += _date_window_expectations(col)
    if col.not_before:
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": col.name,
                    "column_B": col.not_before,
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                f"{col.name} is before {col.not_before}",
                f"{col.name} cannot come before {col.not_before}; check both dates.",
            )
        )
    if col.only_if:
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": col.only_if,
                    "column_B": col.name,
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                f"{col.name} is Y where {col.only_if} is N",
                f"{col.name} can be Y only where {col.only_if} is Y; check both on those rows.",
            )
        )
    return out


def _date_window_expectations(col: Column) -> list[dict]:
    """A date column's window: from ``min_date`` to ``max_future_date`` for a date that may
    be planned ahead; otherwise from ``min_date`` to the row's own ``LATEST_DATE_COLUMN``."""
    fix = "Check the date: it may be mistyped, or the file may be for another month."
    if col.future_allowed:
        return [
            _expectation(
                "expect_column_values_to_be_between",
                {
                    "column": col.name,
                    "min_value": {"$PARAMETER": "min_date"},
                    "max_value": {"$PARAMETER": "max_future_date"},
                },
                f"{col.name} is before 2000 or after {LAST_YEAR}",
                fix,
            )
        ]
    message = f"{col.name} is before 2000 or later than the return month allows"
    earliest = _expectation(
        "expect_column_values_to_be_between",
        {"column": col.name, "min_value": {"$PARAMETER": "min_date"}},
        message,
        fix,
    )
    latest = _expectation(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": LATEST_DATE_COLUMN,
            "column_B": col.name,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        message,
        fix,
    )
    latest["meta"]["column"] = col.name  # the report names the date, not the window's end
    return [earliest, latest]


def build_suite(spec: ReturnSpec) -> dict:
    """The GX suite (as a JSON-ready dict) that the declaration of ``spec`` implies."""
    expectations = [
        _expectation(
            "expect_table_row_count_to_be_between",
            {"min_value": 1},
            "The file has no rows",
            "Export the return again.",
        )
    ]
    for col in spec.columns:
        expectations += _column_expectations(col)
    if len(spec.unique) == 1:
        expectations.append(
            _expectation(
                "expect_column_values_to_be_unique",
                {"column": spec.unique[0]},
                f"{spec.unique[0]} appears on more than one row",
                f"Each {spec.unique[0]} must appear once in a {spec.name} return.",
            )
        )
    elif spec.unique:
        expectations.append(
            _expectation(
                "expect_compound_columns_to_be_unique",
                {"column_list": list(spec.unique)},
                f"{' + '.join(spec.unique)} appears on more than one row",
                "Remove the repeated rows.",
            )
        )
    expectations.append(
        _expectation(
            "expect_compound_columns_to_be_unique",
            {"column_list": spec.column_names, "ignore_row_if": "never"},
            "Exact duplicate rows",
            "Remove the repeated rows (the export may have been run twice into one file).",
        )
    )
    return {"name": spec.name, "expectations": expectations, "meta": {"generated_from": spec.name}}


def suite_json(spec: ReturnSpec) -> str:
    return json.dumps(build_suite(spec), indent=2) + "\n"


def write_suites() -> list[str]:
    """Regenerate every suite file; returns the names written."""
    written = []
    for spec in all_returns().values():
        spec.suite_path.parent.mkdir(exist_ok=True)
        spec.suite_path.write_text(suite_json(spec), encoding="utf-8")
        written.append(spec.suite_path.name)
    return written


def stale_suites() -> list[str]:
    """Suite files that differ from what their declarations imply (should be none)."""
    return [
        spec.name
        for spec in all_returns().values()
        if not spec.suite_path.exists()
        or spec.suite_path.read_text(encoding="utf-8") != suite_json(spec)
    ]
