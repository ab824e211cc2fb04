"""Read an ``.xlsx`` workbook's sheets as rows of text, the way an analyst sees them.

Councils' workbooks are made for people: a title row or several above the headings, date
cells, formulas, Excel error values where a lookup failed (``#N/A``), and a ``<dimension>``
record that may understate the rows. This module gives each sheet as its name, its heading
row (found, not assumed to be row 1) and its data rows as strings, with the spreadsheet row
number of each, so reports can point at the row the analyst will open.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time

from etl.report import FileRejected, Finding

#: A workbook may not unpack to more than this many times its size (zip-bomb guard).
MAX_XLSX_RATIO = 100
#: Rows above the headings searched for the heading row (title rows, notes, blank rows).
HEADER_SEARCH_ROWS = 12
#: What Excel writes in a cell whose formula failed: read as blank, and counted.
EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!"})


@dataclass
class Sheet:
    """One worksheet: headings, data rows as text, and where they sit in the sheet."""

    name: str
    headers: list[str]
    header_row: int  # 1-based spreadsheet row of the headings
    rows: list[list[str]]  # data rows, each as long as ``headers``
    row_numbers: list[int]  # the spreadsheet row of each data row
    #: column heading -> count of cells that held an Excel error value (read as blank)
    excel_errors: dict[str, int] = field(default_factory=dict)


def _reject(check: str, message: str, fix: str = "") -> FileRejected:
    return FileRejected(Finding(check=check, message=message, fix=fix))


def cell_text(value: object) -> str:
    """A cell as text: date cells as ISO dates (with the time of day when there is one, for
    date-time columns such as ``received_at``), whole numbers without ``.0``."""
    if hasattr(value, "date") and hasattr(value, "hour"):  # datetime from a date cell
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def refuse_zip_bomb(data: bytes, limit: int) -> None:
    """Refuse a damaged workbook, or one that unpacks to far more than a return holds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise _reject("xlsx_readable", "The .xlsx file is damaged and cannot be opened") from None
    if unpacked > max(len(data) * MAX_XLSX_RATIO, 50 * 1024 * 1024) or unpacked > limit:
        raise _reject(
            "xlsx_size",
            "The .xlsx file unpacks to far more data than a return holds (possible zip bomb)",
            "Export the return again as CSV.",
        )


def read_sheets(data: bytes, limit: int, is_heading: Callable[[str], bool]) -> list[Sheet]:
    """Every non-empty sheet of the workbook in ``data``.

    ``is_heading(text)`` says whether a cell's text is a heading the dashboard knows; the
    heading row is the row, among the first ``HEADER_SEARCH_ROWS`` non-blank ones, with the
    most such cells (at least two), else the first non-blank row.
    """
    refuse_zip_bomb(data, limit)
    from openpyxl import load_workbook  # only analysts' loads pay for this import

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = [_sheet(ws, is_heading) for ws in wb.worksheets]
    except FileRejected:
        raise
    except Exception:  # openpyxl raises many types for malformed workbooks
        raise _reject(
            "xlsx_readable",
            "The .xlsx file is damaged and cannot be opened",
            "Open it in Excel, save it again as .xlsx, and send that copy.",
        ) from None
    return [s for s in sheets if s is not None]


def _sheet(ws, is_heading: Callable[[str], bool]) -> Sheet | None:
    ws.reset_dimensions()  # a stale <dimension> record must not cut rows off
    numbered = [
        (n, [cell_text(v).strip() if isinstance(v, str) else cell_text(v) for v in row])
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
    ]
    numbered = [(n, cells) for n, cells in numbered if any(c.strip() for c in cells)]
    if not numbered:
        return None
    head = numbered[:HEADER_SEARCH_ROWS]
    scores = [sum(is_heading(c) for c in cells if c) for _, cells in head]
    best = max(range(len(head)), key=lambda i: (scores[i], -i))
    at = best if scores[best] >= 2 else 0
    header_row, headers = head[at]
    while headers and not headers[-1].strip():
        headers = headers[:-1]
    width = len(headers)
    rows, numbers, errors = [], [], {}
    for n, cells in numbered[at + 1 :]:
        cells = (cells + [""] * width)[:width]
        for i, cell in enumerate(cells):
            if cell.strip().upper() in EXCEL_ERRORS:
                errors[headers[i]] = errors.get(headers[i], 0) + 1
                cells[i] = ""
        rows.append(cells)
        numbers.append(n)
    return Sheet(ws.title, headers, header_row, rows, numbers, errors)
