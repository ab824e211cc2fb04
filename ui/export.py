"""The one way the dashboard turns a table into a CSV download.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return that hides one) as a formula. A team name or free-text field in a return
could carry such a cell, so every export goes through :func:`to_csv_bytes`, which makes
those cells plain text by prefixing a single quote.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV (with a BOM, so Excel reads it), formula-like text cells made inert.

    Only text columns are touched: numbers such as ``-3`` stay numbers.
    """
    safe = df.copy()
    for column in safe.columns:
        if not (
            pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column])
        ):
            continue
        safe[column] = safe[column].map(neutralise_cell).astype(object)
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    # CRLF line ends (as Excel writes them) make the writer quote a cell holding a lone CR.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
