"""Read a returned file into a frame of strings with canonical headers.

Councils' case management systems export the same return in many shapes: Excel's "CSV"
(Windows-1252), UTF-8 with or without a byte-order mark, UTF-16 "Unicode text", ``.xlsx``,
Annex A column names, headers in any case. This module absorbs those differences and refuses,
with a precise reason, what cannot be a return: binary files, zip bombs, ragged rows,
duplicated or missing columns, and any column that looks like personal data.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from etl.formats import refuse_foreign
from etl.privacy import personal_data_reason
from etl.pseudonym import pseudonymise
from etl.report import FileRejected, Finding
from etl.returns import ReturnSpec, all_returns, fold_header, get_return
from etl.workbook import Sheet, read_sheets

#: Files larger than this are refused before they are read (override with CSC_MAX_FILE_MB).
DEFAULT_MAX_MB = 200
#: More columns than any return or Annex A list has: refused before any is looked at, so a
#: header of a million columns costs a moment, not minutes and gigabytes.
MAX_COLUMNS = 500
#: Rows checked together: memory follows this, never the file's size.
CHUNK_ROWS = 100_000
#: Bytes read at a time when scanning and parsing a file.
BLOCK_BYTES = 1 << 22

FILE_NAME = re.compile(
    r"^(?P<ret>[a-z][a-z_]*?)[_\- ](?P<year>\d{4})-(?P<month>\d{2})(?!\d)", re.IGNORECASE
)
PERIOD_HEADER = "period"
#: The check name of a warning that a personal-data column was dropped (kept-copy rules use it).
PERSONAL_DATA_DROPPED = "personal_data_dropped"

#: A returned file: its path on disk (streamed), or its bytes (an upload, already in memory).
Source = Path | bytes


@dataclass
class RawReturn:
    """A file recognised as a return, its rows still to come.

    ``chunks`` yields the rows as frames of strings ("" for blank) with canonical column
    names, at most ``CHUNK_ROWS`` at a time, indexed by data-row position (row ``i`` is
    spreadsheet row ``i + 2``). It is read once, and may still raise ``FileRejected`` for a
    problem found further into the file (a ragged row, a second month in ``period``).
    """

    file_name: str
    spec: ReturnSpec
    month: date | None
    chunks: Iterator[pd.DataFrame]
    warnings: list[Finding] = field(default_factory=list)


def max_bytes() -> int:
    return int(float(os.environ.get("CSC_MAX_FILE_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


def safe_name(name: str) -> str:
    """The bare file name, stripped of folders and shell characters.

    A file name arriving from an upload or a drop folder must never choose where anything is
    written: only the last path part survives, and only letters, digits, ``.-_`` remain.
    """
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return base[:120] or "unnamed"


def _reject(check: str, message: str, fix: str = "", column: str | None = None) -> FileRejected:
    return FileRejected(Finding(check=check, message=message, fix=fix, column=column))


def _open(source: Source) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def source_size(source: Source) -> int:
    return source.stat().st_size if isinstance(source, Path) else len(source)


@dataclass(frozen=True)
class _TextScan:
    """What one streamed pass over a text file found out before it is parsed."""

    encoding: str  # a Python codec name
    balanced_quotes: bool  # an odd number of '"' means a quote is never closed


def _scan_text(source: Source) -> _TextScan:
    """Pick the encoding and refuse binary, undecodable, blank or spliced files.

    UTF-16 needs its byte-order mark; otherwise UTF-8 (with or without a BOM) is tried over
    the whole file, then Windows-1252. The file is decoded a block at a time, so this costs
    one read of the file and no more memory than a block.
    """
    with _open(source) as fh:
        head = fh.read(BLOCK_BYTES)
    if not head or (head.isspace() and len(head) < BLOCK_BYTES):
        raise _reject("file_not_empty", "The file is empty", "Export the return again.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in head[:8192]:
        raise _reject(
            "file_is_text",
            "This is not a text CSV file (it contains binary data)",
            "Export the report from the case management system as CSV or .xlsx.",
        )
    else:
        candidates = ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        try:
            return _decode_scan(source, encoding)
        except UnicodeDecodeError:
            continue
    raise _reject(
        "file_encoding",
        "The file's text encoding could not be read (not UTF-8, UTF-16 or Windows-1252)",
        "Save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
    )


def _decode_scan(source: Source, encoding: str) -> _TextScan:
    decoder = codecs.getincrementaldecoder(encoding)()
    quotes, content = 0, False
    with _open(source) as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            text = decoder.decode(block, final=not block)
            if "\ufeff" in text:  # the codec has already taken any leading BOM
                raise _reject(
                    "stray_byte_order_mark",
                    "A byte-order mark (BOM) sits in the middle of the file — usually two "
                    "exports pasted together, so a second header row would be read as data",
                    "Export the return again as one file.",
                )
            quotes += text.count('"')
            content = content or not (text.isspace() or not text)
            if not block:
                break
    if not content:
        raise _reject("file_not_empty", "The file is empty", "Export the return again.")
    return _TextScan(encoding, quotes % 2 == 0)


def _text_rows(source: Source, encoding: str) -> Iterator[list[str]]:
    """Records as Python's csv module reads them (strict), streamed."""
    with _open(source) as fh, io.TextIOWrapper(fh, encoding=encoding, newline="") as text:
        reader = csv.reader(text, strict=True)
        try:
            yield from reader
        except csv.Error as exc:
            raise _reject(
                "csv_syntax",
                f"The file is not valid CSV near record {reader.line_num}: {exc}",
                "Check for an unclosed quote mark on that line.",
            ) from None


def _blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _header(rows: Iterable[list[str]]) -> list[str]:
    for row in rows:
        if not _blank(row):
            return row
    raise _reject("file_not_empty", "The file has no header row and no data")


def _strict_tables(rows: Iterator[list[str]], width: int) -> Iterator[pa.Table]:
    """Data rows (header and blank rows dropped) as tables of strings, ``f0`` … ``f<n>``.

    Ragged rows are counted through the whole file and refused at the end, so the report
    says how many there are, not just where the first one is.
    """
    ragged: list[int] = []
    ragged_count, number, header_seen = 0, 1, False
    batch: list[list[str]] = []
    for row in rows:
        if _blank(row):
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
        if len(batch) >= CHUNK_ROWS:
            yield _table(batch, width)
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
        yield _table(batch, width)


def _table(rows: list[list[str]], width: int) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return pa.table({f"f{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)})


class _NeedsStrictRead(Exception):
    """The fast parser met a row it will not judge; Python's csv module reads the file."""


def _fast_tables(source: Source, encoding: str, width: int) -> Iterator[pa.Table]:
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
            encoding="utf8" if encoding == "utf-8-sig" else encoding,
        ),
        parse_options=pv.ParseOptions(newlines_in_values=True, invalid_row_handler=refuse_row),
        convert_options=pv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    header_seen = False
    with _open(source) as fh:
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


def _csv_tables(source: Source, scan: _TextScan, width: int) -> Iterator[pa.Table]:
    """The fast reader while it copes; then the strict one, from where the fast one stopped."""
    passed = 0
    if scan.balanced_quotes:
        try:
            for table in _fast_tables(source, scan.encoding, width):
                passed += table.num_rows
                yield table
            return
        except _NeedsStrictRead:
            pass
    for table in _strict_tables(_text_rows(source, scan.encoding), width):
        skip = min(passed, table.num_rows)
        passed -= skip
        if table.num_rows > skip:
            yield table.slice(skip)


def xlsx_sheets(source: Source) -> list[Sheet]:
    """The sheets of a workbook, each with its heading row found (title rows above skipped)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    return read_sheets(data, max_bytes() * 4, is_known_heading)


@cache
def _known_headings() -> frozenset[str]:
    return frozenset(key for spec in all_returns().values() for key in spec.alias_map())


def is_declared(text: str) -> bool:
    """A heading some return declares (e.g. ``Allocated Worker``)."""
    return fold_header(text) in _known_headings()


def is_known_heading(text: str) -> bool:
    """A heading some return declares, or one that is personal data: a heading row's cells."""
    return is_declared(text) or personal_data_reason(text) is not None


def _sheet_table(sheet: Sheet) -> pa.Table:
    return _table(sheet.rows, len(sheet.headers))


def refuse_oversize(size: int) -> None:
    """Refuse a file of ``size`` bytes over the limit; callers with a path check before reading."""
    if size > max_bytes():
        raise _reject(
            "file_size",
            f"The file is {size / 2**20:,.0f} MB; the limit is {max_bytes() / 2**20:,.0f} MB",
            "Split the export by month, or ask an administrator to raise CSC_MAX_FILE_MB.",
        )


def _identify(name: str, headers: list[str]) -> tuple[ReturnSpec, bool]:
    """The return type from the file name, else from the headers; bool = named by file."""
    match = FILE_NAME.match(Path(name).name)
    if match and match["ret"].lower() in all_returns():
        return get_return(match["ret"].lower()), True
    folded = {fold_header(h) for h in headers}
    best, best_score = None, 0
    for spec in all_returns().values():
        aliases = spec.alias_map()
        present = {aliases[h] for h in folded if h in aliases}
        if set(spec.required_columns) <= present and len(present) > best_score:
            best, best_score = spec, len(present)
    if best is None:
        known = ", ".join(all_returns())
        raise _reject(
            "return_identified",
            "Could not tell which return this is from its name or its columns",
            f"Name the file <return>_<YYYY-MM>.csv, e.g. visits_2021-05.csv (returns: {known}).",
        )
    return best, False


def _parse_month(text: str) -> date | None:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*", text) or re.fullmatch(
        r"\s*(?:\d{1,2}/)?(\d{1,2})/(\d{4})\s*", text
    )
    if not m:
        return None
    year, month = (int(m[1]), int(m[2])) if len(m[1]) == 4 else (int(m[2]), int(m[1]))
    return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def _named_month(name: str) -> date | None:
    match = FILE_NAME.match(Path(name).name)
    return _parse_month(f"{match['year']}-{match['month']}") if match else None


def _period_month(frame: pd.DataFrame) -> date | None:
    """The one month every ``period`` cell of ``frame`` names, else None."""
    if PERIOD_HEADER not in frame.columns:
        return None
    months = {_parse_month(v) for v in frame[PERIOD_HEADER].unique()}
    return months.pop() if len(months) == 1 and None not in months else None


def _month_unknown(spec: ReturnSpec) -> FileRejected:
    return _reject(
        "month_identified",
        "Could not tell which month this return is for",
        f"Name the file {spec.name}_<YYYY-MM>.csv (e.g. {spec.name}_2021-05.csv), "
        "or add a 'period' column holding the month as YYYY-MM.",
    )


def _same_period(
    chunks: Iterator[pd.DataFrame], spec: ReturnSpec, month: date
) -> Iterator[pd.DataFrame]:
    """Pass chunks on, refusing the file if a later one's ``period`` names another month."""
    for frame in chunks:
        if _period_month(frame) != month:
            raise _month_unknown(spec)
        yield frame


def personal_columns(spec: ReturnSpec, headers: list[str]) -> dict[int, Finding]:
    """Columns that hold personal data, by position, each with the warning that names it.

    They are dropped while the file is read — before anything is staged, written or logged —
    so a council's export loads as it is, and the report says what was left out and why.
    A heading the return declares (e.g. ``Allocated Worker``, pseudonymised) is not dropped.
    """
    declared = spec.alias_map()
    out = {}
    for pos, header in enumerate(headers):
        label = header.strip()
        reason = None if fold_header(label) in declared else personal_data_reason(label)
        if reason:
            out[pos] = Finding(
                check=PERSONAL_DATA_DROPPED,
                message=f"{label[:60]}: personal data ({reason}), not stored",
                column=label[:60],
                fix="Nothing to do: the column is left out. Leave it out of future exports "
                "if you can.",
            )
    return out


def map_headers(
    spec: ReturnSpec, headers: list[str], given: Iterable[str] = ()
) -> tuple[dict[int, str], list[Finding]]:
    """Column position → canonical name; refuse duplicated and missing columns.

    Personal-data columns are left out with a warning naming them; ``given`` are columns the
    caller supplies itself (e.g. Annex A's plan type), so they are not missing.
    """
    if len(headers) > MAX_COLUMNS:
        raise _reject(
            "column_count",
            f"The file has {len(headers):,} columns; a return has at most {MAX_COLUMNS:,}",
            "Export only the return's columns.",
        )
    aliases = spec.alias_map()
    mapping: dict[int, str] = {}
    personal = personal_columns(spec, headers)
    warnings: list[Finding] = list(personal.values())
    for pos, header in enumerate(headers):
        if pos in personal:
            continue
        label = header.strip()
        canonical = aliases.get(fold_header(label))
        if canonical:
            if canonical in mapping.values():
                first = headers[next(p for p, c in mapping.items() if c == canonical)].strip()
                raise _reject(
                    "duplicate_column",
                    f"Columns '{first}' and '{label}' both give {canonical}",
                    "Keep one of them and delete the other.",
                    column=canonical,
                )
            mapping[pos] = canonical
            continue
        if fold_header(label) == PERIOD_HEADER:
            if PERIOD_HEADER in mapping.values():
                raise _reject(
                    "duplicate_column",
                    "The file has two 'period' columns: which month is meant?",
                    "Keep one period column and delete the other.",
                    column=PERIOD_HEADER,
                )
            mapping[pos] = PERIOD_HEADER
            continue
        warnings.append(
            Finding(
                check="extra_column_dropped",
                message=f"Column '{label[:60] or '(blank header)'}' is not part of the "
                f"{spec.name} return and was ignored (not stored)",
                column=label[:60] or None,
            )
        )
    missing = [c for c in spec.required_columns if c not in {*mapping.values(), *given}]
    if missing:
        accepted = "; ".join(
            f"{c}: " + ", ".join(spec.column(c).aliases[:4] or (c,)) for c in missing
        )
        raise _reject(
            "required_columns",
            f"Required column(s) missing: {', '.join(missing)}",
            f"Add the column(s). Accepted headings include — {accepted}.",
        )
    return mapping, warnings


def _frames(
    tables: Iterator[pa.Table], mapping: dict[int, str], chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """Tables of any size → frames of exactly ``chunk_rows`` rows (the last may be short),
    holding only the return's columns under their canonical names."""
    columns = [f"f{p}" for p in mapping]
    names = list(mapping.values())
    pending: list[pa.Table] = []
    held = offset = 0

    def frame(rows: pa.Table) -> pd.DataFrame:
        out = rows.select(columns).rename_columns(names).to_pandas()
        out.index = pd.RangeIndex(offset, offset + len(out))
        return out

    for table in tables:
        pending.append(table)
        held += table.num_rows
        while held >= chunk_rows:
            whole = pa.concat_tables(pending)
            yield frame(whole.slice(0, chunk_rows))
            offset += chunk_rows
            pending, held = [whole.slice(chunk_rows)], held - chunk_rows
    if held:
        yield frame(pa.concat_tables(pending))


def workbook_sheets(name: str, source: Source) -> list[Sheet] | None:
    """An ``.xlsx`` file's sheets (None for a file of any other kind), read once.

    A file over the size limit is refused before it is opened.
    """
    refuse_oversize(source_size(source))
    with _open(source) as fh:
        head = fh.read(1 << 16)
    refuse_foreign(name, head)  # a CIN census XML, an SSDA903 table…: named, not misread
    return xlsx_sheets(source) if head[:4] == b"PK\x03\x04" else None


def _tables(
    name: str, source: Source, sheets: list[Sheet] | None
) -> tuple[list[str], Iterator[pa.Table]]:
    """The header row, and the data rows to come as tables of strings."""
    refuse_oversize(source_size(source))
    if sheets is not None:
        if len(sheets) != 1:
            raise _reject(
                "xlsx_one_sheet",
                f"The workbook has {len(sheets)} sheets with data and none is an Ofsted Annex A "
                "list; a return must have exactly one",
                "Delete the other sheets or save the return's sheet as CSV. An Annex A "
                "workbook's sheets are found by their names (List 5, List_5…) or headings.",
            )
        return sheets[0].headers, iter([_sheet_table(sheets[0])])
    if name.lower().endswith((".xlsx", ".xls")):
        raise _reject(
            "xlsx_readable",
            "The file is named as an Excel workbook but is not a valid .xlsx",
            "Save it from Excel as .xlsx or CSV.",
        )
    scan = _scan_text(source)
    rows = _text_rows(source, scan.encoding)
    try:
        headers = _header(rows)
    finally:
        rows.close()
    return headers, _csv_tables(source, scan, len(headers))


def read_return(name: str, source: Source, sheets: list[Sheet] | None = None) -> RawReturn:
    """Recognise one file as a return; raises ``FileRejected`` with the reason.

    Only the header and the first chunk of rows are read here; the rest stream through
    ``RawReturn.chunks`` as the checks ask for them. ``sheets``: the file's sheets when it
    is a workbook already opened (``workbook_sheets``).
    """
    if sheets is None:
        sheets = workbook_sheets(name, source)
    headers, tables = _tables(name, source, sheets)
    spec, named = _identify(name, headers)
    mapping, header_warnings = map_headers(spec, headers)
    chunks = _frames(tables, mapping, CHUNK_ROWS)
    first = next(chunks, None)
    if first is None:
        raise _reject("has_rows", "The file has a header but no rows", "Export the return again.")
    rest = chunks
    month = None
    if spec.monthly:
        from_name = _named_month(name) if named else None
        month = from_name or _period_month(first)
        if month is None:
            raise _month_unknown(spec)
        if month != from_name:  # from the period column: every later chunk must agree
            rest = _same_period(chunks, spec, month)
    raw = RawReturn(name, spec, month, iter(()), header_warnings)
    raw.chunks = pseudonymised(_chain(first, rest), raw)
    return raw


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def pseudonymised(
    chunks: Iterator[pd.DataFrame], raw: RawReturn, staff_columns: Iterable[str] = ()
) -> Iterator[pd.DataFrame]:
    """Chunks with staff names replaced by keyed pseudonyms before anything is staged.

    Every value of a ``staff_columns`` column (declared to hold names) is replaced; in other
    ID columns only values shaped like a name ("Delta Arthur") are. One warning per column
    says how many values were replaced, never which.
    """
    every = set(staff_columns)
    counts: dict[str, int] = {}
    ids = [c.name for c in raw.spec.columns if c.type == "id"]
    for frame in chunks:
        for column in ids:
            if column in frame:
                frame[column], n = pseudonymise(frame[column], column in every)
                counts[column] = counts.get(column, 0) + n
        yield frame
    for column, n in counts.items():
        if n:
            what = "staff names" if column in every else "values shaped like a person's name"
            raw.warnings.append(
                Finding(
                    check="pseudonymised",
                    message=f"{column}: {n:,} {what} replaced by a keyed pseudonym (the same "
                    "person keeps the same ID); no name is stored",
                    column=column,
                    rows_affected=n,
                )
            )


def personal_data_headings(source: Source, sheets: list[Sheet] | None) -> list[Finding]:
    """Every personal-data heading in a file (each sheet of a workbook), for a file refused
    before its columns were mapped: such a file is never kept as it is."""
    if sheets is None:
        try:
            scan = _scan_text(source)
            rows = _text_rows(source, scan.encoding)
            try:
                sheets = [Sheet("", _header(rows), 1, [], [])]
            finally:
                rows.close()
        except FileRejected:
            return []
    out = []
    for sheet in sheets:
        for heading in sheet.headers:
            reason = None if is_declared(heading) else personal_data_reason(heading)
            if reason:
                where = f"{sheet.name}: " if sheet.name else ""
                out.append(
                    Finding(
                        check=PERSONAL_DATA_DROPPED,
                        message=f"{where}{heading.strip()[:60]}: personal data ({reason}), "
                        "not stored",
                        column=heading.strip()[:60],
                    )
                )
    return out
