"""What checking and whole-file checking share: the stored suite, its findings, the staged rows.

``etl.check.validate`` runs a return's suite a chunk at a time in Great Expectations and stages the
typed rows as Parquet; ``etl.check.whole_file`` runs the suite's whole-file expectations over those
staged rows in DuckDB. Both read the suite, phrase a failed expectation and name the staged
schema the same way, from here, so neither imports the other.
"""

from __future__ import annotations

import json

import pyarrow as pa

from etl.report import EXAMPLE_ROWS, Finding
from etl.returns import ReturnSpec

#: Expectations about the file as a whole. A file checked in one chunk has them run by Great
#: Expectations with the rest; a larger file has them run over all its staged rows by DuckDB
#: (``etl.check.whole_file``), since a chunk cannot see a duplicate in another chunk.
WHOLE_FILE = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
    }
)


def suite_expectations(spec: ReturnSpec) -> list[dict]:
    """The stored suite's expectations (type, kwargs, meta with message and fix)."""
    with open(spec.suite_path, encoding="utf-8") as fh:
        return json.load(fh)["expectations"]


def expectation_column(kwargs: dict, meta: dict) -> str | None:
    """The column an expectation is about, as a report names it: ``meta`` may say, where the
    first column is not it (a date checked against ``LATEST_DATE_COLUMN``)."""
    column = meta.get("column") or kwargs.get("column") or kwargs.get("column_A")
    if column is None and "column_list" in kwargs and len(kwargs["column_list"]) < 4:
        column = ", ".join(kwargs["column_list"])
    return column


def expectation_finding(
    kind: str, kwargs: dict, meta: dict, count: int, rows: list[int]
) -> Finding:
    """A failed expectation as the analyst reads it, whichever engine ran it."""
    return Finding(
        check=kind,
        message=meta.get("message", kind),
        column=expectation_column(kwargs, meta),
        rows_affected=count,
        example_rows=rows[:EXAMPLE_ROWS],
        fix=meta.get("fix", ""),
    )


#: The last instant a row's dates may hold, given on every row checked (the end of the month
#: after its file's month): one run can then check several months' files, each against its own.
LATEST_DATE_COLUMN = "_latest_date"

#: The staged rows' spreadsheet row number (header = row 1), for whole-file checks' reports.
ROW_COLUMN = "_row"
_ARROW_TYPES = {
    "date": pa.timestamp("ns"),
    "datetime": pa.timestamp("ns"),
    "flag": pa.bool_(),
    "number": pa.float64(),
    "integer": pa.float64(),  # typed as float64 by etl.check.validate; INTEGER when stored
}


def staged_schema(spec: ReturnSpec) -> pa.Schema:
    """The Parquet schema of a return's typed rows: what ``etl.check.validate`` types them to."""
    fields = [pa.field(c.name, _ARROW_TYPES.get(c.type, pa.string())) for c in spec.columns]
    return pa.schema([*fields, pa.field(ROW_COLUMN, pa.int64())])
