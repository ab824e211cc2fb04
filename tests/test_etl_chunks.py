"""Large files are read and checked a chunk at a time: the outcome must not depend on it.

A file of more rows than ``etl.read.reader.CHUNK_ROWS`` streams through the checks in chunks (so
the loader's memory is bounded), with the suite's whole-file expectations run by DuckDB over
the staged rows. These tests shrink the chunk to a few rows, so small hand-made files cross
several chunks, and compare with the same file checked in one piece by Great Expectations.
They also compare the fast (Arrow) CSV reader with the strict (Python csv) one it falls
back to.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.read import reader
from etl.read.csv_rows import csv_tables, strict_tables, text_rows
from etl.read.sniff import scan_text
from etl.write import store
from etl.write.load import check_file, load_paths
from tests.conftest import problem_lines, table_checksums

HEADER = "worker_id,team,role,fte,agency,caseload\n"
GOOD_ROWS = [
    f"W{i},Team {i % 3},{'ASYE' if i % 4 == 0 else 'QSW'},1,N,{i % 30}\n" for i in range(23)
]


def _checked_both_ways(
    data: bytes,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int = 4,
    name: str = "caseloads_2021-06.csv",
):
    whole = check_file(name, data)
    monkeypatch.setattr(reader, "CHUNK_ROWS", chunk)
    chunked = check_file(name, data)
    monkeypatch.undo()
    return whole, chunked


def test_a_bad_file_gets_the_same_report_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = list(GOOD_ROWS)
    rows[1] = "W1,Team 1,QSW,1,N,-2\n"  # row 3: negative caseload (row-level, chunk 1)
    rows[9] = "W9,Team 0,QSW,1.5,N,9\n"  # row 11: fte above 1 (chunk 3)
    rows[17] = "W2,Team 2,QSW,1,N,4\n"  # row 19: W2 again — its twin is row 4, in chunk 1
    rows[20] = "W20,,QSW,1,N,20\n"  # row 22: blank team (chunk 6)
    data = (HEADER + "".join(rows)).encode()
    whole, chunked = _checked_both_ways(data, monkeypatch)
    assert not whole.accepted
    # 23 rows in chunks of 4: six chunks; the duplicate worker spans chunks 1 and 5, so only
    # the whole-file check over the staged rows can see it.
    assert ("expect_column_values_to_be_unique", "worker_id") in {
        (p.check, p.column) for p in chunked.report.problems
    }
    duplicate = next(p for p in chunked.report.problems if p.column == "worker_id")
    assert (duplicate.rows_affected, duplicate.example_rows) == (2, [4, 19])
    assert problem_lines(chunked) == problem_lines(whole)
    assert chunked.report.rows == whole.report.rows == 23


def test_exact_duplicate_rows_across_chunks_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [*GOOD_ROWS[:10], GOOD_ROWS[2]]  # row 13 repeats row 4 exactly
    whole, chunked = _checked_both_ways((HEADER + "".join(rows)).encode(), monkeypatch, chunk=3)
    checks = {(p.check, p.rows_affected, tuple(p.example_rows)) for p in chunked.report.problems}
    # Row 4 and row 12 (header row 1, GOOD_ROWS[0] on row 2) share every column: both the
    # worker_id uniqueness and the exact-duplicate expectation name both rows.
    assert ("expect_compound_columns_to_be_unique", 2, (4, 12)) in checks
    assert problem_lines(chunked) == problem_lines(whole)


def test_an_accepted_file_loads_the_same_in_chunks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "files" / "caseloads_2021-06.csv"
    path.parent.mkdir()
    path.write_text(HEADER + "".join(GOOD_ROWS))
    whole = tmp_path / "whole" / "csc.duckdb"
    chunked = tmp_path / "chunked" / "csc.duckdb"
    assert [r.status for r in load_paths(whole, [path])] == ["loaded"]
    monkeypatch.setattr(reader, "CHUNK_ROWS", 5)
    assert [r.status for r in load_paths(chunked, [path])] == ["loaded"]

    def caseloads(db: Path) -> pd.DataFrame:
        con = store.open_reader(db)
        try:
            return con.execute("SELECT * EXCLUDE (load_id) FROM caseloads ORDER BY 2").df()
        finally:
            con.close()

    pd.testing.assert_frame_equal(caseloads(whole), caseloads(chunked))
    assert len(caseloads(chunked)) == 23
    # kpi_values too: worked out from the same rows, so the same figures.
    assert table_checksums(whole)["kpi_values"] == table_checksums(chunked)["kpi_values"]


def test_a_ragged_row_deep_in_the_file_is_reported_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = list(GOOD_ROWS)
    rows[19] = "W19,Team 1,QSW,1,N,19,extra\n"  # row 21, after the first chunks were passed on
    monkeypatch.setattr(reader, "CHUNK_ROWS", 4)
    fc = check_file("caseloads_2021-06.csv", (HEADER + "".join(rows)).encode())
    assert [(p.check, p.rows_affected, p.example_rows) for p in fc.report.problems] == [
        ("rows_have_header_width", 1, [21])
    ]


def test_a_second_month_in_a_later_chunk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"2021-06,{row}" for row in GOOD_ROWS]
    rows[15] = "2021-07," + GOOD_ROWS[15]
    monkeypatch.setattr(reader, "CHUNK_ROWS", 4)
    fc = check_file("caseload export.csv", ("period," + HEADER + "".join(rows)).encode())
    assert [p.check for p in fc.report.problems] == ["month_identified"]


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "".join(GOOD_ROWS),
        HEADER.replace("\n", "\r\n") + "W1,T,QSW,1,N,3\r" + "W2,T,QSW,1,N,4\n",  # mixed endings
        HEADER + 'W1,"Team, with comma",QSW,1,N,3\nW2,"Two\nlines",QSW,1,N,4\n',
        HEADER + ",,,,,\n   \nW1,T,QSW,1,N,3\n\n",  # blank rows of commas and of spaces
        "\ufeff" + HEADER + "W1,Équipe,QSW,1,N,3\n",
    ],
    ids=["plain", "mixed-line-endings", "quoted", "blank-rows", "bom"],
)
def test_the_fast_reader_reads_what_the_strict_one_reads(text: str, tmp_path: Path) -> None:
    path = tmp_path / "caseloads_2021-06.csv"
    path.write_bytes(text.encode("utf-8"))
    scan = scan_text(path)
    fast = pd.concat([t.to_pandas() for t in csv_tables(path, scan, 6)], ignore_index=True)
    strict = pd.concat(
        [t.to_pandas() for t in strict_tables(text_rows(path, scan.encoding), 6)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(fast, strict)
    assert len(fast) == text.count(",N,")  # one data row per worker, blank rows dropped


HOSTILE_FILES = sorted((Path(__file__).parent / "hostile" / "files").iterdir())


@pytest.mark.parametrize("path", HOSTILE_FILES, ids=[p.name for p in HOSTILE_FILES])
def test_every_hostile_file_is_judged_the_same_in_chunks(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The committed bad-returns corpus (tests/hostile), each file read in chunks of two rows:
    the same verdict, the same problems, the same row numbers."""
    whole, chunked = _checked_both_ways(path.read_bytes(), monkeypatch, chunk=2, name=path.name)
    assert chunked.accepted == whole.accepted
    assert problem_lines(chunked) == problem_lines(whole)
