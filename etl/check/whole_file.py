"""The suite's whole-file expectations, run by DuckDB over a large file's staged rows.

A file of more than one chunk (``etl.read.reader.CHUNK_ROWS`` rows) is checked by Great
Expectations a chunk at a time, so memory stays bounded whatever the file's size. Row-level
expectations are right on any chunk; expectations about the file as a whole — its row count
and its unique keys — are not, since a worker ID repeated in rows 10 and 900,000 sits in two
chunks. Those few are run here instead, over every staged row at once: DuckDB aggregates out
of core, so this too stays within bounded memory. They are read from the same stored suite
and report with the same message, fix and row numbers as when Great Expectations runs them
(``tests/test_etl_chunks.py`` checks that a file gives the same report either way). Files
checked together (``etl.check.validate.check_returns``) have them run here too, each file's rows
on their own, so that one file's key never counts as repeated by another's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl.check.staging import ROW_COLUMN, WHOLE_FILE, expectation_finding, suite_expectations
from etl.report import EXAMPLE_ROWS, Finding
from etl.returns import ReturnSpec

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


def _repeated(kind: str, kwargs: dict) -> str:
    """SQL for the rows of the files in ``read_parquet(?)`` that share their key with another
    row of the same file: each file's name and the row's number."""
    columns = [kwargs["column"]] if "column" in kwargs else list(kwargs["column_list"])
    keys = ", ".join(_quoted(c) for c in columns)
    same = " AND ".join(f"r.{_quoted(c)} IS NOT DISTINCT FROM d.{_quoted(c)}" for c in columns)
    return f"""
        WITH kept AS (
            SELECT filename, {ROW_COLUMN}, {keys} FROM read_parquet(?, filename = true)
            WHERE {_kept_rows(kind, kwargs, columns)}
        ),
        repeated AS (SELECT filename, {keys} FROM kept GROUP BY ALL HAVING count(*) > 1)
        SELECT r.filename, r.{ROW_COLUMN} FROM kept r
        SEMI JOIN repeated d ON r.filename = d.filename AND {same}
    """


def _connect(scratch: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(scratch), "threads": 2}
    )


def _whole_file_expectations(spec: ReturnSpec) -> Iterator[tuple[str, dict, dict]]:
    for expectation in suite_expectations(spec):
        if expectation["type"] in WHOLE_FILE:
            yield expectation["type"], expectation["kwargs"], expectation["meta"]


def _too_few_or_many(kwargs: dict, total: int) -> bool:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    return (low is not None and total < low) or (high is not None and total > high)


def whole_file_findings(spec: ReturnSpec, staged: Path, scratch: Path) -> list[Finding]:
    """The failed whole-file expectations of ``spec``'s suite over the rows in ``staged``."""
    con = _connect(scratch)
    try:
        findings = []
        for kind, kwargs, meta in _whole_file_expectations(spec):
            if kind == "expect_table_row_count_to_be_between":
                rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(staged)])
                if _too_few_or_many(kwargs, rows.fetchone()[0]):
                    findings.append(expectation_finding(kind, kwargs, meta, 0, []))
                continue
            sql, files = _repeated(kind, kwargs), [str(staged)]
            count = con.execute(f"SELECT count(*) FROM ({sql})", files).fetchone()[0]
            if count:
                first = con.execute(
                    f"SELECT {ROW_COLUMN} FROM ({sql}) ORDER BY 1 LIMIT {EXAMPLE_ROWS}", files
                ).fetchall()
                rows = [row[0] for row in first]
                findings.append(expectation_finding(kind, kwargs, meta, count, rows))
        return findings
    finally:
        con.close()


def files_failing(spec: ReturnSpec, staged: list[Path], scratch: Path) -> set[Path]:
    """Which of several files' staged rows fail a whole-file expectation of ``spec``'s suite:
    the same queries as ``whole_file_findings``, each run once over all the files (a file's
    rows are only ever compared with its own), for a batch in which most files pass."""
    names = {str(path): path for path in staged}
    con = _connect(scratch)
    try:
        failing: set[str] = set()
        for kind, kwargs, _ in _whole_file_expectations(spec):
            if kind == "expect_table_row_count_to_be_between":
                counts = dict(
                    con.execute(
                        "SELECT filename, count(*) FROM read_parquet(?, filename = true) "
                        "GROUP BY filename",
                        [list(names)],
                    ).fetchall()
                )
                failing |= {n for n in names if _too_few_or_many(kwargs, counts.get(n, 0))}
                continue
            sql = _repeated(kind, kwargs)
            failing |= {
                n
                for (n,) in con.execute(
                    f"SELECT DISTINCT filename FROM ({sql})", [list(names)]
                ).fetchall()
            }
        return {names[n] for n in failing}
    finally:
        con.close()
