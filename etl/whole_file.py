"""The suite's whole-file expectations, run by DuckDB over a large file's staged rows.

A file of more than one chunk (``etl.reader.CHUNK_ROWS`` rows) is checked by Great
Expectations a chunk at a time, so memory stays bounded whatever the file's size. Row-level
expectations are right on any chunk; expectations about the file as a whole — its row count
and its unique keys — are not, since a worker ID repeated in rows 10 and 900,000 sits in two
chunks. Those few are run here instead, over every staged row at once: DuckDB aggregates out
of core, so this too stays within bounded memory. They are read from the same stored suite
and report with the same message, fix and row numbers as when Great Expectations runs them
(``tests/test_etl_chunks.py`` checks that a file gives the same report either way).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.report import EXAMPLE_ROWS, Finding
from etl.returns import ReturnSpec
from etl.staging import ROW_COLUMN, WHOLE_FILE, expectation_finding, suite_expectations

#: DuckDB's memory for these checks; beyond it, it spills to the staging folder.
MEMORY_LIMIT = "256MB"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _kept_rows(kind: str, kwargs: dict, columns: list[str]) -> str:
    """Which rows an expectation looks at, as GX's ``ignore_row_if`` defaults say."""
    missing = [f"{_quoted(c)} IS NULL" for c in columns]
    if kind == "expect_column_values_to_be_unique":
        return f"NOT ({missing[0]})"
    rule = kwargs.get("ignore_row_if", "all_values_are_missing")
    if rule == "never":
        return "true"
    if rule == "any_value_is_missing":
        return f"NOT ({' OR '.join(missing)})"
    return f"NOT ({' AND '.join(missing)})"


def _repeated_rows(
    con: duckdb.DuckDBPyConnection, staged: Path, kind: str, kwargs: dict
) -> tuple[int, list[int]]:
    """How many rows share their key with another row, and the first of them."""
    columns = [kwargs["column"]] if "column" in kwargs else list(kwargs["column_list"])
    keys = ", ".join(_quoted(c) for c in columns)
    same = " AND ".join(f"r.{_quoted(c)} IS NOT DISTINCT FROM d.{_quoted(c)}" for c in columns)
    sql = f"""
        WITH kept AS (
            SELECT {ROW_COLUMN}, {keys} FROM read_parquet(?)
            WHERE {_kept_rows(kind, kwargs, columns)}
        ),
        repeated AS (SELECT {keys} FROM kept GROUP BY ALL HAVING count(*) > 1)
        SELECT r.{ROW_COLUMN} FROM kept r SEMI JOIN repeated d ON {same}
    """
    count = con.execute(f"SELECT count(*) FROM ({sql})", [str(staged)]).fetchone()[0]
    if not count:
        return 0, []
    first = con.execute(
        f"SELECT * FROM ({sql}) ORDER BY 1 LIMIT {EXAMPLE_ROWS}", [str(staged)]
    ).fetchall()
    return count, [row[0] for row in first]


def whole_file_findings(spec: ReturnSpec, staged: Path, scratch: Path) -> list[Finding]:
    """The failed whole-file expectations of ``spec``'s suite over the rows in ``staged``."""
    con = duckdb.connect(
        config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(scratch), "threads": 2}
    )
    try:
        findings = []
        for expectation in suite_expectations(spec):
            kind, kwargs, meta = expectation["type"], expectation["kwargs"], expectation["meta"]
            if kind not in WHOLE_FILE:
                continue
            if kind == "expect_table_row_count_to_be_between":
                rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(staged)])
                total = rows.fetchone()[0]
                low, high = kwargs.get("min_value"), kwargs.get("max_value")
                if (low is not None and total < low) or (high is not None and total > high):
                    findings.append(expectation_finding(kind, kwargs, meta, 0, []))
                continue
            count, rows = _repeated_rows(con, staged, kind, kwargs)
            if count:
                findings.append(expectation_finding(kind, kwargs, meta, count, rows))
        return findings
    finally:
        con.close()
