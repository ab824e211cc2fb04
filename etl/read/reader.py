"""Read a returned file into a frame of strings with canonical headers.

Councils' case management systems export the same return in many shapes: Excel's "CSV"
(Windows-1252), UTF-8 with or without a byte-order mark, UTF-16 "Unicode text", ``.xlsx``,
Annex A column names, headers in any case. This module absorbs those differences and refuses,
with a precise reason, what cannot be a return: binary files, zip bombs, ragged rows,
duplicated or missing columns, and any column that looks like personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa

from etl.check.file_month import (
    FILE_NAME,
    PERIOD_HEADER,
    month_unknown,
    named_month,
    period_month,
    refuse_future_month,
    same_period,
)
from etl.check.identifiers import IdentifierScan, strip_invisible
from etl.check.privacy import personal_data_reason
from etl.check.pseudonym import heading_means_a_person, holds_names, names_common, pseudonymise
from etl.read.csv_rows import csv_tables, find_header, header_row, text_rows
from etl.read.sniff import (
    DEFAULT_MAX_MB,
    Source,
    max_bytes,
    refuse_oversize,
    reject,
    scan_text,
    source_size,
)
from etl.read.workbook import Sheet
from etl.read.xlsx import is_declared, is_known_heading, sheet_table, workbook_sheets, xlsx_sheets
from etl.report import FileRejected, Finding
from etl.returns import ReturnSpec, all_returns, fold_header, get_return, looks_disguised
from etl.templates import TEMPLATE_SHEETS

#: What callers import from here. The reading is split by job: ``etl.read.sniff`` (size,
#: encoding, bytes that cannot be text), ``etl.read.csv_rows`` (CSV streaming), ``etl.read.xlsx``
#: (workbooks), ``etl.check.file_month`` (the month a file is for) and ``etl.check.identifiers``
#: (real-world identifiers and invisible characters in values); this module turns either
#: kind of file into a return's rows.
__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_MAX_MB",
    "MAX_COLUMNS",
    "PERSONAL_DATA_DROPPED",
    "RawReturn",
    "Source",
    "is_declared",
    "is_known_heading",
    "map_headers",
    "max_bytes",
    "personal_columns",
    "personal_data_headings",
    "pseudonymised",
    "read_return",
    "refuse_oversize",
    "safe_name",
    "source_size",
    "workbook_sheets",
    "xlsx_sheets",
]

#: More columns than any return or Annex A list has: refused before any is looked at, so a
#: header of a million columns costs a moment, not minutes and gigabytes.
MAX_COLUMNS = 500
#: Rows checked together: memory follows this, never the file's size.
CHUNK_ROWS = 100_000
#: The check name of a warning that a personal-data column was dropped (kept-copy rules use it).
PERSONAL_DATA_DROPPED = "personal_data_dropped"


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
    #: the month came from the file's name or period column, so its dates must not all lie
    #: in another month (an Annex A list spans months by design)
    dates_in_month: bool = False


def safe_name(name: str) -> str:
    """The bare file name, stripped of folders and shell characters.

    A file name arriving from an upload or a drop folder must never choose where anything is
    written: only the last path part survives, and only letters, digits, ``.-_`` remain.
    """
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return base[:120] or "unnamed"


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
        raise reject(
            "return_identified",
            "Could not tell which return this is from its name or its columns",
            f"Name the file <return>_<YYYY-MM>.csv, e.g. visits_2021-05.csv (returns: {known}).",
        )
    return best, False


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
                message=f"{label[:60]}: personal data ({reason}{_disguise(label)}), not stored",
                column=label[:60],
                fix="Nothing to do: the column is left out. Leave it out of future exports "
                "if you can.",
            )
    return out


def _disguise(heading: str) -> str:
    return ", spelt with look-alike letters from another script" if looks_disguised(heading) else ""


def map_headers(
    spec: ReturnSpec, headers: list[str], given: Iterable[str] = ()
) -> tuple[dict[int, str], list[Finding]]:
    """Column position → canonical name; refuse duplicated and missing columns.

    Personal-data columns are left out with a warning naming them; ``given`` are columns the
    caller supplies itself (e.g. Annex A's plan type), so they are not missing.
    """
    if len(headers) > MAX_COLUMNS:
        raise reject(
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
                raise reject(
                    "duplicate_column",
                    f"Columns '{first}' and '{label}' both give {canonical}",
                    "Keep one of them and delete the other.",
                    column=canonical,
                )
            mapping[pos] = canonical
            continue
        if fold_header(label) == PERIOD_HEADER:
            if PERIOD_HEADER in mapping.values():
                raise reject(
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
        split = ""
        if any(not h.strip() for h in headers):
            split = (
                " The heading row has blank cells: if the headings are split over two rows "
                "(merged cells), put each column's whole heading in one row above the data."
            )
        raise reject(
            "required_columns",
            f"Required column(s) missing: {', '.join(missing)}",
            f"Add the column(s). Accepted headings include — {accepted}.{split}",
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


def _tables(
    name: str, source: Source, sheets: list[Sheet] | None
) -> tuple[list[str], Iterator[pa.Table], bool]:
    """The header row, the data rows to come as tables of strings, and whether numbers are
    written with decimal commas (Excel's semicolon "CSV (European)")."""
    refuse_oversize(source_size(source))
    if sheets is not None:
        sheets = [s for s in sheets if s.name not in TEMPLATE_SHEETS] or sheets  # our template
        if len(sheets) != 1:
            raise reject(
                "xlsx_one_sheet",
                f"The workbook has {len(sheets)} sheets with data and none is an Ofsted Annex A "
                "list; a return must have exactly one",
                "Delete the other sheets or save the return's sheet as CSV. An Annex A "
                "workbook's sheets are found by their names (List 5, List_5…) or headings.",
            )
        return sheets[0].headers, iter([sheet_table(sheets[0])]), False
    if name.lower().endswith((".xlsx", ".xls", ".xlsm")):
        raise reject(
            "xlsx_readable",
            "The file is named as an Excel workbook but is not a valid .xlsx",
            "Save it from Excel as .xlsx or CSV.",
        )
    scan = scan_text(source)
    rows = text_rows(source, scan.encoding, scan.delimiter, scan.skip_lines)
    try:
        headers, above = find_header(rows, is_known_heading)
    finally:
        rows.close()
    tables = csv_tables(source, scan, len(headers), above)
    return headers, tables, scan.delimiter == ";"


def read_return(name: str, source: Source, sheets: list[Sheet] | None = None) -> RawReturn:
    """Recognise one file as a return; raises ``FileRejected`` with the reason.

    Only the header and the first chunk of rows are read here; the rest stream through
    ``RawReturn.chunks`` as the checks ask for them. ``sheets``: the file's sheets when it
    is a workbook already opened (``workbook_sheets``).
    """
    if sheets is None:
        sheets = workbook_sheets(name, source)
    headers, tables, decimal_comma = _tables(name, source, sheets)
    spec, named = _identify(name, headers)
    try:
        return _as_return(name, spec, named, headers, tables, decimal_comma)
    except FileRejected as exc:
        exc.identified = True
        raise


def _as_return(
    name: str,
    spec: ReturnSpec,
    named: bool,
    headers: list[str],
    tables: Iterator[pa.Table],
    decimal_comma: bool,
) -> RawReturn:
    """The rest of ``read_return``, once the file is known to be ``spec``."""
    mapping, header_warnings = map_headers(spec, headers)
    chunks = _frames(tables, mapping, CHUNK_ROWS)
    first = next(chunks, None)
    if first is None:
        raise reject("has_rows", "The file has a header but no rows", "Export the return again.")
    rest = chunks
    month = None
    if spec.monthly:
        from_name = named_month(name) if named else None
        month = from_name or period_month(first)
        if month is None:
            raise month_unknown(spec)
        if month != from_name or PERIOD_HEADER in first:  # every chunk's period must agree
            rest = same_period(_chain(first, chunks), spec, month, from_name is not None)
            first = next(rest)
        refuse_future_month(month, "The file is named" if from_name else "Its period column says")
    raw = RawReturn(name, spec, month, iter(()), header_warnings, dates_in_month=True)
    chunks = _chain(first, rest)
    if decimal_comma:
        chunks = _decimal_points(chunks, spec)
    headings = {canonical: headers[pos].strip() for pos, canonical in mapping.items()}
    raw.chunks = pseudonymised(chunks, raw, headings=headings)
    return raw


def _decimal_points(chunks: Iterator[pd.DataFrame], spec: ReturnSpec) -> Iterator[pd.DataFrame]:
    """Numbers written with a decimal comma ("0,8"), as Excel's European CSV writes them,
    rewritten with a point; any other text is left for the checks to judge."""
    numbers = [c.name for c in spec.columns if c.type in ("number", "integer")]
    for frame in chunks:
        for column in numbers:
            if column in frame:
                frame[column] = frame[column].str.replace(
                    r"^(\s*-?\d+),(\d+\s*)$", r"\1.\2", regex=True
                )
        yield frame


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def _staff_names_because(
    column: str, declared: set[str], headings: dict[str, str], frame: pd.DataFrame
) -> str | None:
    """Why every value of ID column ``column`` is to be taken as a staff name, if it is: the
    return declares it, its heading means a person, or names are common among its values."""
    if column in declared:
        return "the return declares it to hold staff names"
    heading = headings.get(column, "")
    if heading and heading_means_a_person(heading):
        return f"its heading '{heading[:60]}' means a person"
    if column in frame and holds_names(frame[column]):
        named, distinct = names_common(frame[column])
        return f"names are common in it ({named:,} of {distinct:,} different values)"
    return None


def pseudonymised(
    chunks: Iterator[pd.DataFrame],
    raw: RawReturn,
    staff_columns: Iterable[str] = (),
    headings: dict[str, str] | None = None,
) -> Iterator[pd.DataFrame]:
    """Chunks with staff names replaced by keyed pseudonyms before anything is staged.

    Invisible characters are removed from ID and text values first (``strip_invisible``),
    and real-world identifiers refuse the file at its end (``IdentifierScan``).
    Whether an ID column holds staff names is decided for the column (``_staff_names_because``:
    declared in ``staff_columns``, a heading in ``headings`` — canonical name → heading as
    written — that means a person, or names common among its values); then every value is
    replaced, from the first chunk that shows it on. In other ID columns only values shaped
    like a name ("Delta Arthur") are. One warning per column says how many values were
    replaced and why, never which.
    """
    declared = set(staff_columns)
    because: dict[str, str] = {}
    counts: dict[str, int] = {}
    hidden: dict[str, int] = {}
    ids = [c.name for c in raw.spec.columns if c.type == "id"]
    texts = [c.name for c in raw.spec.columns if c.type == "text"]
    free = [c.name for c in raw.spec.columns if c.free_text]
    identifiers = IdentifierScan(ids, texts, free, raw.month)
    for frame in chunks:
        for column in [*ids, *texts]:
            if column in frame:
                frame[column], n = strip_invisible(frame[column])
                hidden[column] = hidden.get(column, 0) + n
        identifiers.add(frame)
        for column in ids:
            if column not in because:
                reason = _staff_names_because(column, declared, headings or {}, frame)
                if reason:
                    because[column] = reason
            if column in frame:
                frame[column], n = pseudonymise(frame[column], column in because)
                counts[column] = counts.get(column, 0) + n
        yield frame
    refusal = identifiers.refusal()
    if refusal:
        raise refusal
    for column, n in hidden.items():
        if n:
            raw.warnings.append(
                Finding(
                    check="invisible_characters_removed",
                    message=f"{column}: invisible characters (zero-width spaces or direction "
                    f"marks) removed from {n:,} value(s), so that IDs and names that look the "
                    "same are the same",
                    column=column,
                    rows_affected=n,
                )
            )
    for column, n in counts.items():
        if not n:
            continue
        if column in because:
            message = (
                f"{column}: staff names replaced by a keyed pseudonym, every value ({n:,}): "
                f"the column is taken as staff names because {because[column]}; the same "
                "person keeps the same ID and no name is stored"
            )
        else:
            message = (
                f"{column}: {n:,} values shaped like a person's name replaced by a keyed "
                "pseudonym (the same person keeps the same ID); no name is stored"
            )
        raw.warnings.append(
            Finding(check="pseudonymised", message=message, column=column, rows_affected=n)
        )


def personal_data_headings(source: Source, sheets: list[Sheet] | None) -> list[Finding]:
    """Every personal-data heading in a file (each sheet of a workbook), for a file refused
    before its columns were mapped: such a file is never kept as it is."""
    if sheets is None:
        try:
            scan = scan_text(source)
            rows = text_rows(source, scan.encoding)
            try:
                sheets = [Sheet("", header_row(rows), 1, [], [])]
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
                        message=f"{where}{heading.strip()[:60]}: personal data "
                        f"({reason}{_disguise(heading)}), not stored",
                        column=heading.strip()[:60],
                    )
                )
    return out
