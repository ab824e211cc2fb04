"""Which month a returned file is for: its name, its ``period`` column, and their agreement.

A monthly return says its month in its name (``visits_2021-06.csv``) or in a ``period``
column. When it says it in both they must agree, and the month must have begun: a name or
period that contradicts the file, or a year typo (2031 for 2021), refuses the file with both
months named, never loads it under the wrong month.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd

from etl.read.sniff import reject
from etl.report import FileRejected
from etl.returns import ReturnSpec

FILE_NAME = re.compile(
    r"^(?P<ret>[a-z][a-z_]*?)[_\- ](?P<year>\d{4})-(?P<month>\d{2})(?!\d)", re.IGNORECASE
)
PERIOD_HEADER = "period"


def parse_month(text: str) -> date | None:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*", text) or re.fullmatch(
        r"\s*(?:\d{1,2}/)?(\d{1,2})/(\d{4})\s*", text
    )
    if not m:
        return None
    year, month = (int(m[1]), int(m[2])) if len(m[1]) == 4 else (int(m[2]), int(m[1]))
    return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def named_month(name: str) -> date | None:
    match = FILE_NAME.match(Path(name).name)
    return parse_month(f"{match['year']}-{match['month']}") if match else None


def period_month(frame: pd.DataFrame) -> date | None:
    """The one month every ``period`` cell of ``frame`` names, else None."""
    if PERIOD_HEADER not in frame.columns:
        return None
    months = {parse_month(v) for v in frame[PERIOD_HEADER].unique()}
    return months.pop() if len(months) == 1 and None not in months else None


def month_unknown(spec: ReturnSpec) -> FileRejected:
    return reject(
        "month_identified",
        "Could not tell which month this return is for",
        f"Name the file {spec.name}_<YYYY-MM>.csv (e.g. {spec.name}_2021-05.csv), "
        "or add a 'period' column holding the month as YYYY-MM.",
    )


def same_period(
    chunks: Iterator[pd.DataFrame], spec: ReturnSpec, month: date, named: bool
) -> Iterator[pd.DataFrame]:
    """Pass chunks on, refusing the file if a ``period`` cell names another month than
    ``month`` (the file name's, when ``named``; else the first chunk's period)."""
    for frame in chunks:
        if PERIOD_HEADER not in frame:
            yield frame
            continue
        said = period_month(frame)
        if said != month:
            if not named:
                raise month_unknown(spec)
            months = {parse_month(v) for v in frame[PERIOD_HEADER].unique()} - {None, month}
            other = f"{min(months):%B %Y}" if months else "no month it can read"
            raise reject(
                "month_agrees",
                f"The file is named {month:%B %Y} but its period column says {other}",
                "Check which month the return covers, then correct the file name or the "
                "period column so that they agree.",
                column=PERIOD_HEADER,
            )
        yield frame


def refuse_future_month(month: date, said: str) -> None:
    """Refuse a return for a month that has not begun (a year typo: 2031 for 2021)."""
    today = date.today()
    if month > today.replace(day=1):
        raise reject(
            "month_not_future",
            f"{said} {month:%B %Y}, a month still to come (today is {today:%d %B %Y})",
            "Check the year: name the file for the month the return covers, "
            "e.g. <return>_2021-05.csv, or correct the period column.",
        )
