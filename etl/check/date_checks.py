"""Checks on a return's dates as a whole file: the order of day and month, and the month.

A date such as ``06/03/2021`` reads as 6 March (UK) or 3 June (US). A file is read DD/MM;
US dates are refused. When every date in a file could be either (days 1–12 only), the
values cannot say which form it is in, so the return's month decides: if read DD/MM none of
its dates fall in that month but read MM/DD some do, the file is refused as US dates — never
loaded with 3 June as 6 March. A file whose every date lies in one other month than the one
it is for (a file named June holding May's visits) is refused naming both months.

A monthly return also declares the column that puts a row in its month (``month_column``:
visits by ``due_date``). A row whose value lies outside the file's month is refused by row
number, and a file whose every such row lies in one other month is refused naming that month:
June's visits named July, with a few visits made in July, no longer pass as July's.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.report import EXAMPLE_ROWS, Finding
from etl.returns import ReturnSpec

#: Day and month as numbers (``06/03/2021``, ``06-03-2021``, ``06.03.2021``): read DD/MM.
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _iso(text: pd.Series) -> np.ndarray:
    """Which values start as an ISO date (``YYYY-MM-DD``), worked out by Arrow: such a value
    can never match ``_NUMERIC`` (its year is four digits before the first separator)."""
    values = pa.array(text.to_numpy(dtype=object), type=pa.string())
    match = pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}")
    return match.fill_null(False).to_numpy(zero_copy_only=False)


def _dated(spec: ReturnSpec) -> list[str]:
    return [c.name for c in spec.columns if c.type in ("date", "datetime")]


class DateOrder:
    """Whether a file's dates can be known to be DD/MM, gathered chunk by chunk from the raw
    text (the same verdict and rows however the file is chunked)."""

    def __init__(self, spec: ReturnSpec) -> None:
        self._columns = _dated(spec)
        self._present: list[str] = []
        self.proven = False  # a value that can only be one form (UK, US or both: decided)
        self.rows = 0  # rows holding a date whose two readings differ
        self.examples: list[int] = []
        self.uk_in = self.us_in = 0  # of those dates, how many fall in the month each way
        self._month: date | None = None

    def add(self, raw: pd.DataFrame, month: date | None) -> None:
        self._month = month
        parts = []
        for column in self._columns:
            if column in raw:
                if column not in self._present:
                    self._present.append(column)
                text = raw[column].fillna("").astype("str")
                # An ISO date (2021-06-03) is never day/month: only the rest go through the
                # regular expression, in Python (most of a census, and many returns, are ISO).
                text = text[~_iso(text)]
                found = text.str.extract(_NUMERIC).dropna()
                if not found.empty:
                    parts.append(found.astype(int).set_axis(["a", "b", "y"], axis=1))
        if not parts or self.proven:
            return
        values = pd.concat(parts)
        if (((values.a > 12) & (values.b <= 12)) | ((values.b > 12) & (values.a <= 12))).any():
            # DD/MM proven, or US / alternating dates, refused as "not real dates"
            self.proven = True
            return
        differ = values[values.a != values.b]
        rows = sorted({int(i) + 2 for i in differ.index})
        self.rows += len(rows)
        self.examples = (self.examples + rows)[:EXAMPLE_ROWS]
        if month is not None:
            year = differ.y == month.year
            self.uk_in += int(((differ.b == month.month) & year).sum())
            self.us_in += int(((differ.a == month.month) & year).sum())

    def finding(self) -> Finding | None:
        """A problem when the file's day/month order cannot be known to be DD/MM: every
        date is 1–12 either way, and the return's month does not favour DD/MM."""
        if self.proven or not self.rows or self.uk_in > self.us_in:
            return None
        when = f"{self._month:%B %Y}" if self._month else "the return's month"
        if self.us_in > self.uk_in:
            why = (
                f"read as DD/MM none of them falls in {when}, but read as US MM/DD "
                f"{self.us_in:,} do: the file looks like US dates"
            )
        else:
            why = f"neither reading puts them in {when}, so which is meant cannot be known"
        return Finding(
            check="date_order",
            message="Dates in this file could be read as day/month or month/day (every day "
            "is 1–12); " + why,
            column=", ".join(self._present),
            rows_affected=self.rows,
            example_rows=self.examples,
            fix="Export dates as DD/MM/YYYY (UK) or YYYY-MM-DD; in Excel set the column's "
            "format to English (United Kingdom) before saving.",
        )


class MonthSpread:
    """The calendar months a file's dates fall in, gathered chunk by chunk (a few at most)."""

    def __init__(self, spec: ReturnSpec) -> None:
        # A date planned ahead (a due date) says nothing of which month the file is for.
        self._columns = [c for c in _dated(spec) if not spec.column(c).future_allowed]
        self.months: set[tuple[int, int]] = set()

    def add(self, typed: pd.DataFrame) -> None:
        for column in self._columns:
            if column in typed and len(self.months) < 3:
                stamps = typed[column].dropna()
                self.months |= set(zip(stamps.dt.year, stamps.dt.month, strict=True))

    def finding(self, month: date) -> Finding | None:
        """A problem when every date lies in one month, and not the return's month."""
        if len(self.months) != 1 or (month.year, month.month) in self.months:
            return None
        year, other = next(iter(self.months))
        return Finding(
            check="month_agrees",
            message=f"The return is for {month:%B %Y} but every date in it is in "
            f"{date(year, other, 1):%B %Y}",
            fix="Check which month the file holds, then name it for that month "
            "(or export the right month again).",
        )


class RowMonth:
    """Rows whose ``month_column`` lies outside the file's month, gathered chunk by chunk
    from the typed rows (date-times are already the time in England)."""

    def __init__(self, spec: ReturnSpec, month: date | None) -> None:
        self._spec = spec
        self._month = month
        self._column = spec.month_column if month is not None else None
        self.dated = 0  # rows with a value in the column
        self.rows = 0  # of those, rows outside the month
        self.examples: list[int] = []
        self.months: set[tuple[int, int]] = set()

    def add(self, typed: pd.DataFrame) -> None:
        if self._column is None or self._column not in typed:
            return
        stamps = typed[self._column].dropna()
        month = self._month
        outside = stamps[(stamps.dt.year != month.year) | (stamps.dt.month != month.month)]
        self.dated += len(stamps)
        self.rows += len(outside)
        self.examples = (self.examples + [int(i) + 2 for i in outside.index])[:EXAMPLE_ROWS]
        self.months |= set(zip(outside.dt.year, outside.dt.month, strict=True))

    @property
    def other_month(self) -> date | None:
        """The one other month every dated row lies in, if they all do."""
        if self.rows and self.rows == self.dated and len(self.months) == 1:
            year, month = next(iter(self.months))
            return date(year, month, 1)
        return None

    def finding(self) -> Finding | None:
        """A problem naming the rows outside the month, or the one other month every row is
        in (then the file is that month's, under another name)."""
        if not self.rows:
            return None
        column, month, name = self._column, self._month, self._spec.name
        other = self.other_month
        if other is not None:
            message = (
                f"The file is for {month:%B %Y} but every row's {column} is in "
                f"{other:%B %Y}: it holds {other:%B %Y}'s rows"
            )
            fix = (
                f"If it is {other:%B %Y}'s return, name it {name}_{other:%Y-%m} and load it "
                f"as that month; otherwise export {month:%B %Y}'s return again."
            )
        else:
            message = (
                f"{column} is outside {month:%B %Y}, the month the file is for: a row of this "
                f"return belongs to the month of its {column}"
            )
            fix = (
                f"Take those rows out (they belong in their own month's file) or export "
                f"{month:%B %Y}'s return again."
            )
        return Finding(
            check="row_in_month",
            message=message,
            column=column,
            rows_affected=self.rows,
            example_rows=self.examples,
            fix=fix,
        )


def same_bytes_other_month(
    con: duckdb.DuckDBPyConnection, sha256: str, units: list
) -> list[Finding]:
    """A problem when the very same bytes were loaded before for another month.

    A council that sends May's file again under June's name would otherwise have June show
    May's figures. ``units``: the months the file fills (``etl.check.validate.MonthUnit``); the
    load log (``con``, the store) says what each earlier file filled. A return declared
    ``may_repeat`` (a position that can stop changing) is not checked.
    """
    months = {
        (u.spec.name, u.month) for u in units if u.month is not None and not u.spec.may_repeat
    }
    if not months:
        return []
    earlier = con.execute(
        """
        SELECT DISTINCT file_name, return_type, month FROM load_log
        WHERE sha256 = ? AND month IS NOT NULL AND status IN ('loaded', 'replaced')
        ORDER BY month
        """,
        [sha256],
    ).fetchall()
    other = [(f, r, m) for f, r, m in earlier if (r, m) not in months]
    if not other:
        return []
    file_name, _, then = other[0]
    now = ", ".join(sorted({f"{m:%B %Y}" for _, m in months}))
    return [
        Finding(
            check="month_agrees",
            message=f"This file is byte-for-byte the same as {file_name}, already loaded for "
            f"{then:%B %Y}; it cannot also be {now}",
            fix=f"Export {now}'s return and load that; if {then:%B %Y}'s file was the wrong "
            "one, load the right file for that month first.",
        )
    ]
