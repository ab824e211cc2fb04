"""Read a returned file into a frame of strings with canonical headers.

Councils' case management systems export the same return in many shapes: Excel's "CSV"
(Windows-1252), UTF-8 with or without a byte-order mark, UTF-16 "Unicode text", ``.xlsx``,
Annex A column names, headers in any case. This module absorbs those differences and refuses,
with a precise reason, what cannot be a return: binary files, zip bombs, ragged rows,
duplicated or missing columns, and any column that looks like personal data.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from etl.privacy import personal_data_reason
from etl.report import FileRejected, Finding
from etl.returns import ReturnSpec, all_returns, fold_header, get_return

#: Files larger than this are refused before they are read (override with CSC_MAX_FILE_MB).
DEFAULT_MAX_MB = 200
#: An .xlsx may not unpack to more than this many times its size (zip-bomb guard).
MAX_XLSX_RATIO = 100

FILE_NAME = re.compile(
    r"^(?P<ret>[a-z]+)[_\- ](?P<year>\d{4})-(?P<month>\d{2})(?!\d)", re.IGNORECASE
)
PERIOD_HEADER = "period"


@dataclass
class RawReturn:
    """A file read and recognised: canonical string columns, return type and month."""

    file_name: str
    spec: ReturnSpec
    month: date | None
    frame: pd.DataFrame  # canonical column names, all strings ("" for blank)
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


def _decode(data: bytes) -> str:
    """Bytes → text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif b"\x00" in data[:8192]:
        raise _reject(
            "file_is_text",
            "This is not a text CSV file (it contains binary data)",
            "Export the report from the case management system as CSV or .xlsx.",
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise _reject(
                    "file_encoding",
                    "The file's text encoding could not be read (not UTF-8 or Windows-1252)",
                    "Save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
                ) from None
    if "\ufeff" in text:
        raise _reject(
            "stray_byte_order_mark",
            "A byte-order mark (BOM) sits in the middle of the file — usually two exports "
            "pasted together, so a second header row would be read as data",
            "Export the return again as one file.",
        )
    return text


def _csv_rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise _reject(
            "csv_syntax",
            f"The file is not valid CSV near record {reader.line_num}: {exc}",
            "Check for an unclosed quote mark on that line.",
        ) from None
    return rows


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise _reject("xlsx_readable", "The .xlsx file is damaged and cannot be opened") from None
    if unpacked > max(len(data) * MAX_XLSX_RATIO, 50 * 1024 * 1024) or unpacked > max_bytes() * 4:
        raise _reject(
            "xlsx_size",
            "The .xlsx file unpacks to far more data than a return holds (possible zip bomb)",
            "Export the return again as CSV.",
        )
    from openpyxl import load_workbook  # only analysts' loads pay for this import

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for malformed workbooks
        raise _reject("xlsx_readable", "The .xlsx file is damaged and cannot be opened") from None
    if len(wb.worksheets) != 1:
        raise _reject(
            "xlsx_one_sheet",
            f"The workbook has {len(wb.worksheets)} sheets; a return must have exactly one",
            "Delete the other sheets or save the return's sheet as CSV.",
        )
    rows = []
    for row in wb.worksheets[0].iter_rows(values_only=True):
        cells = ["" if v is None else _cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            rows.append(cells)
    return rows


def _cell_text(value: object) -> str:
    if hasattr(value, "date") and hasattr(value, "hour"):  # datetime from a date-formatted cell
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def refuse_oversize(size: int) -> None:
    """Refuse a file of ``size`` bytes over the limit; callers with a path check before reading."""
    if size > max_bytes():
        raise _reject(
            "file_size",
            f"The file is {size / 2**20:,.0f} MB; the limit is {max_bytes() / 2**20:,.0f} MB",
            "Split the export by month, or ask an administrator to raise CSC_MAX_FILE_MB.",
        )


def _rows(name: str, data: bytes) -> list[list[str]]:
    refuse_oversize(len(data))
    if not data or data.isspace():  # no stripped copy of a large file
        raise _reject("file_not_empty", "The file is empty", "Export the return again.")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if name.lower().endswith((".xlsx", ".xls")):
        raise _reject(
            "xlsx_readable",
            "The file is named as an Excel workbook but is not a valid .xlsx",
            "Save it from Excel as .xlsx or CSV.",
        )
    return _csv_rows(_decode(data))


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


def _month(name: str, spec: ReturnSpec, frame: pd.DataFrame, named: bool) -> date | None:
    if not spec.monthly:
        return None
    match = FILE_NAME.match(Path(name).name)
    if named and match:
        month = _parse_month(f"{match['year']}-{match['month']}")
        if month:
            return month
    if PERIOD_HEADER in frame.columns:
        months = {_parse_month(v) for v in frame[PERIOD_HEADER].unique()}
        if len(months) == 1 and None not in months:
            return months.pop()
    raise _reject(
        "month_identified",
        "Could not tell which month this return is for",
        f"Name the file {spec.name}_<YYYY-MM>.csv (e.g. {spec.name}_2021-05.csv), "
        "or add a 'period' column holding the month as YYYY-MM.",
    )


def _refuse_personal_data(headers: list[str]) -> None:
    """Refuse the whole file if any column that is not a declared one looks personal."""
    known = {key for spec in all_returns().values() for key in spec.alias_map()}
    for header in headers:
        label = header.strip()
        reason = None if fold_header(label) in known else personal_data_reason(label)
        if reason:
            raise _reject(
                "no_personal_data",
                f"Column '{label[:60]}' looks like {reason}; returns must be pseudonymous",
                "Delete that column and export again — this dashboard holds no names, dates of "
                "birth, addresses, postcodes, NHS numbers or UPNs.",
                column=label[:60],
            )


def _map_headers(spec: ReturnSpec, headers: list[str]) -> tuple[dict[int, str], list[Finding]]:
    """Column position → canonical name; refuse duplicated and missing columns."""
    aliases = spec.alias_map()
    mapping: dict[int, str] = {}
    warnings: list[Finding] = []
    for pos, header in enumerate(headers):
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
    missing = [c for c in spec.required_columns if c not in mapping.values()]
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


def read_return(name: str, data: bytes) -> RawReturn:
    """Read one file's bytes into a recognised return; raises ``FileRejected`` with the reason."""
    rows = _rows(name, data)
    if not rows:
        raise _reject("file_not_empty", "The file has no header row and no data")
    headers, body = rows[0], rows[1:]
    _refuse_personal_data(headers)
    spec, named = _identify(name, headers)
    mapping, header_warnings = _map_headers(spec, headers)
    ragged = [i + 2 for i, row in enumerate(body) if len(row) != len(headers)]
    if ragged:
        raise FileRejected(
            Finding(
                check="rows_have_header_width",
                message=f"Some rows do not have {len(headers)} cells like the header",
                rows_affected=len(ragged),
                example_rows=ragged[:10],
                fix="Check those rows for a stray comma or a missing cell.",
            )
        )
    if not body:
        raise _reject("has_rows", "The file has a header but no rows", "Export the return again.")
    positions = list(mapping)
    frame = pd.DataFrame(
        [[row[p] for p in positions] for row in body],
        columns=[mapping[p] for p in positions],
        dtype="str",
    )
    month = _month(name, spec, frame, named)
    return RawReturn(name, spec, month, frame, header_warnings)
