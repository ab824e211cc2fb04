"""CSV exports neutralise cells a spreadsheet would run as formulas, and nothing else."""

from __future__ import annotations

import csv
import io

import pandas as pd

from charts.export import to_csv_bytes


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_formula_like_text_gets_a_quote_prefix() -> None:
    frame = pd.DataFrame(
        {
            "team": ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "North"],
            "value": [1, -2, 3, 4, 5, 6, 7],
        }
    )
    rows = _read(to_csv_bytes(frame))
    assert rows[0] == ["team", "value"]
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "North",
    ]
    # Numbers are numbers, not text: a negative stays unquoted.
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5", "6", "7"]


def test_headers_and_missing_values_are_safe() -> None:
    frame = pd.DataFrame({"=cmd": ["a", None]})
    rows = _read(to_csv_bytes(frame))
    assert rows == [["'=cmd"], ["a"], [""]]


def test_input_frame_is_not_changed() -> None:
    frame = pd.DataFrame({"team": ["=1"]})
    to_csv_bytes(frame)
    assert frame["team"].tolist() == ["=1"]
