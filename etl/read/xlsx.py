"""A returned ``.xlsx`` file's sheets, each with its heading row found among the rows at its
top (title rows above the headings skipped), read once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyarrow as pa

from etl.check.privacy import personal_data_reason
from etl.read.csv_rows import string_table
from etl.read.sniff import Source, max_bytes, open_source, refuse_oversize, source_size
from etl.read.workbook import Sheet, read_sheets
from etl.returns import all_returns, fold_header
from etl.sources.formats import refuse_foreign


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


def sheet_table(sheet: Sheet) -> pa.Table:
    return string_table(sheet.rows, len(sheet.headers))


def workbook_sheets(name: str, source: Source) -> list[Sheet] | None:
    """An ``.xlsx`` file's sheets (None for a file of any other kind), read once.

    A file over the size limit is refused before it is opened.
    """
    refuse_oversize(source_size(source))
    with open_source(source) as fh:
        head = fh.read(1 << 16)
    refuse_foreign(name, head)  # a CIN census XML, a Parquet file…: named, not misread
    return xlsx_sheets(source) if head[:4] == b"PK\x03\x04" else None
