"""How numbers and dates are written everywhere: "82.4%", "24.3", "31 May 2021", "May 2021",
and a percentage with the counts behind it, "78.6% (11 of 14)".

One module so a page, a chart, the board pack and an export never disagree about a figure.
Month names are written out in English (not the machine's locale).
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from etl.english import MONTH_NAMES

NO_DATA = "no data"
DECIMALS = {"percent": 1, "number": 1, "count": 0}
#: A percentage of fewer cases than this says so: "33.3% (few cases: 1 of 3)". One late
#: conference in three is not the same news as a third of a hundred.
FEW_CASES = 5


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_date(value: date | datetime | str | pd.Timestamp) -> date:
    return pd.Timestamp(value).date()


def as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Month columns as ``datetime.date`` (what every reader of the metrics layer gets)."""
    if "month" in frame and len(frame):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def uk_date(value: date | datetime | str | pd.Timestamp) -> str:
    """``31 May 2021``."""
    day = _as_date(value)
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def uk_month(value: date | datetime | str | pd.Timestamp) -> str:
    """``May 2021``."""
    day = _as_date(value)
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def rounded(value: float, unit: str) -> float:
    """The value as it is shown, so comparisons agree with what the reader sees."""
    return round(float(value), DECIMALS.get(unit, 1))


def format_value(value: object, unit: str) -> str:
    """A KPI value as shown: ``82.4%`` (percent), ``24.3`` (number), ``12`` (count).

    A missing value is ``no data``, never 0 or 0 %.
    """
    if is_missing(value) or (isinstance(value, float) and math.isinf(value)):
        return NO_DATA
    places = DECIMALS.get(unit, 1)
    text = f"{float(value):,.{places}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return f"{text}%" if unit == "percent" else text


def count_text(numerator: object, denominator: object) -> str:
    """The counts behind a percentage: ``11 of 14``, or ``few cases: 2 of 3`` under 5 cases.

    Empty when either count is missing (a percentage with no denominator is "no data").
    """
    if is_missing(numerator) or is_missing(denominator) or float(denominator) <= 0:
        return ""
    text = f"{format_value(numerator, 'count')} of {format_value(denominator, 'count')}"
    return f"few cases: {text}" if float(denominator) < FEW_CASES else text


def few_cases(unit: str, denominator: object) -> bool:
    """True for a percentage resting on fewer than ``FEW_CASES`` cases."""
    return unit == "percent" and not is_missing(denominator) and 0 < float(denominator) < FEW_CASES


def format_figure(value: object, unit: str, numerator: object, denominator: object) -> str:
    """A KPI value with the counts behind it when it is a percentage: ``78.6% (11 of 14)``.

    A reader judges "down 21.4 points" very differently when it is three conferences of
    fourteen, so a percentage is never shown alone. Other units are ``format_value``'s.
    """
    shown = format_value(value, unit)
    counts = count_text(numerator, denominator) if unit == "percent" else ""
    return f"{shown} ({counts})" if counts and shown != NO_DATA else shown


def format_change(diff: float, unit: str) -> str:
    """The size of a change, without sign: ``3.1 points`` for percentages, else the number."""
    size = format_value(abs(diff), unit)
    return size.replace("%", " points") if unit == "percent" else size


def name_list(names: list[str], most: int = 8) -> str:
    """Names joined for a sentence, at most ``most`` of them: a list of hundreds of teams
    (a regional store) is unreadable on a shared screen, so the rest become a count."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most:,} more"


#: A spreadsheet runs a cell starting with one of these as a formula (a tab or carriage
#: return can hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert (a leading single
    quote); others unchanged. A team name in a return could carry ``=HYPERLINK(...)``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headings cannot run as formulas in a
    spreadsheet, for every CSV the project writes (downloads and ``metrics compute``).
    Only text columns are touched: numbers such as ``-3`` stay numbers."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell).astype(object)
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    return safe
