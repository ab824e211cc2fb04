"""Stream a CSV file's records as tables of strings, fast where the file is well formed and
strictly (with exact record numbers) where it is not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from etl.read.sniff import BLOCK_BYTES, Source, TextScan, open_source, reject
from etl.report import FileRejected, Finding

#: Rows parsed into one table by the strict reader: memory follows this, not the file's size.
BATCH_ROWS = 100_000


def text_rows(
    source: Source, encoding: str, delimiter: str = ",", skip_lines: int = 0
) -> Iterator[list[str]]:
    """Records as Python's csv module reads them (strict), streamed; ``skip_lines`` lines
    (a ``sep=`` hint) are passed over first."""
    with open_source(source) as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        for _ in range(skip_lines):
            text.readline()
        reader = csv.reader(text, strict=True, delimiter=delimiter)
        try:
            yield from reader
        except csv.Error as exc:
            raise reject(
                "csv_syntax",
                f"The file is not valid CSV near record {reader.line_num}: {exc}",
                "Check for an unclosed quote mark on that line.",
            ) from None


def blank_row(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def header_row(rows: Iterable[list[str]]) -> list[str]:
    for row in rows:
        if not blank_row(row):
            return row
    raise reject("file_not_empty", "The file has no header row and no data")


def find_header(
    rows: Iterable[list[str]], is_heading: Callable[[str], bool], search: int = 12
) -> tuple[list[str], int]:
    """The heading row and how many non-blank rows (report titles) sit above it.

    The heading row is the first of the first ``search`` non-blank rows in which at least
    two cells, and most of the filled cells, are headings some return declares; a file
    with no such row gives its first non-blank row, so the report names what is missing.
    """
    first: list[str] | None = None
    for above, row in enumerate(r for r in rows if not blank_row(r)):
        if first is None:
            first = row
        filled = [c for c in row if c.strip()]
        known = sum(is_heading(c) for c in filled)
        if known >= 2 and known * 2 > len(filled):
            return row, above
        if above + 1 >= search:
            break
    if first is None:
        raise reject("file_not_empty", "The file has no header row and no data")
    return first, 0


def strict_tables(rows: Iterator[list[str]], width: int, above: int = 0) -> Iterator[pa.Table]:
    """Data rows (header and blank rows dropped) as tables of strings, ``f0`` … ``f<n>``.

    ``above``: non-blank rows (report titles) above the header, passed over.

    Ragged rows are counted through the whole file and refused at the end, so the report
    says how many there are, not just where the first one is.
    """
    ragged: list[int] = []
    ragged_count, number, header_seen = 0, 1, False
    batch: list[list[str]] = []
    for row in rows:
        if blank_row(row):
            continue
        if above:
            above -= 1
            continue
        if not header_seen:
            header_seen = True
            continue
        number += 1
        if len(row) != width:
            ragged_count += 1
            if len(ragged) < 10:
                ragged.append(number)
            continue
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield string_table(batch, width)
            batch = []
    if ragged_count:
        raise FileRejected(
            Finding(
                check="rows_have_header_width",
                message=f"Some rows do not have {width} cells like the header",
                rows_affected=ragged_count,
                example_rows=ragged,
                fix="Check those rows for a stray comma or a missing cell.",
            )
        )
    if batch:
        yield string_table(batch, width)


def string_table(rows: list[list[str]], width: int) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return pa.table({f"f{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)})


class _NeedsStrictRead(Exception):
    """The fast parser met a row it will not judge; Python's csv module reads the file."""


def _fast_tables(source: Source, scan: TextScan, width: int) -> Iterator[pa.Table]:
    """Data rows as tables of strings, parsed by Arrow's multithreaded CSV reader.

    It reads what Python's csv module reads for well-formed files, at several times the
    speed; anything it would have to skip or guess at (a row of another width, a parse
    error) stops it, and the caller falls back to the strict reader for exact row numbers.
    """

    def refuse_row(_row: object) -> str:
        return "error"

    options = dict(
        read_options=pv.ReadOptions(
            block_size=BLOCK_BYTES,
            autogenerate_column_names=True,
            encoding="utf8" if scan.encoding == "utf-8-sig" else scan.encoding,
            skip_rows=scan.skip_lines,
        ),
        parse_options=pv.ParseOptions(
            delimiter=scan.delimiter, newlines_in_values=True, invalid_row_handler=refuse_row
        ),
        convert_options=pv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    header_seen = False
    with open_source(source) as fh:
        try:
            for batch in pv.open_csv(fh, **options):
                table = pa.Table.from_batches([batch])
                table = table.filter(pc.invert(_blank_rows(table)))
                if not header_seen and table.num_rows:
                    header_seen, table = True, table.slice(1)
                if table.num_rows:
                    yield table
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise _NeedsStrictRead from exc


def _blank_rows(table: pa.Table) -> pa.ChunkedArray:
    blank = None
    for column in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    return blank


def csv_tables(source: Source, scan: TextScan, width: int, above: int = 0) -> Iterator[pa.Table]:
    """The fast reader while it copes; then the strict one, from where the fast one stopped.

    A file with report titles above its header (``above``) is read by the strict one only.
    """
    passed = 0
    if scan.balanced_quotes and not above:
        try:
            for table in _fast_tables(source, scan, width):
                passed += table.num_rows
                yield table
            return
        except _NeedsStrictRead:
            pass
    rows = text_rows(source, scan.encoding, scan.delimiter, scan.skip_lines)
    for table in strict_tables(rows, width, above):
        skip = min(passed, table.num_rows)
        passed -= skip
        if table.num_rows > skip:
            yield table.slice(skip)
