"""The one way the dashboard turns a table into a CSV download.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return that hides one) as a formula. A team name or free-text field in a return
could carry such a cell, so every export goes through :func:`to_csv_bytes`, which makes
those cells plain text by prefixing a single quote (``metrics.formatting.inert_text``, which
``python -m metrics compute`` uses too).
"""

from __future__ import annotations

import pandas as pd

from metrics.formatting import inert_text


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV (with a BOM, so Excel reads it), formula-like text cells made inert.

    Only text columns are touched: numbers such as ``-3`` stay numbers.
    """
    safe = inert_text(df)
    # CRLF line ends (as Excel writes them) make the writer quote a cell holding a lone CR.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
