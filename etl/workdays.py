"""Working days: Monday to Friday, less England and Wales bank holidays.

Statutory timescales (ICPC within 15 working days of the strategy discussion, assessments in
45) count working days. Bank holidays come from the maintained ``holidays`` package, never a
hand-typed list, so substitute days (e.g. 27 and 28 December 2021) are right.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
import numpy as np
import pandas as pd

#: The calendar table in the store spans these years; dates outside are refused on load.
FIRST_YEAR = 2000
LAST_YEAR = 2045


@cache
def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> tuple[date, ...]:
    """England and Wales bank holidays between the two years, inclusive."""
    days = holidays.UK(subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(days))


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is earlier).

    A conference on the 15th working day after the strategy discussion scores 15.
    """
    hols = np.array(bank_holidays(), dtype="datetime64[D]")
    one = timedelta(days=1)
    return int(np.busday_count(start + one, end + one, holidays=hols))


def calendar_frame() -> pd.DataFrame:
    """One row per day with ``working_day_no``: working days since the calendar began.

    Working days between two dates are then a subtraction, which DuckDB does in SQL over
    millions of rows: ``cal_end.working_day_no - cal_start.working_day_no``.
    """
    days = pd.date_range(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31), freq="D")
    hols = set(bank_holidays())
    is_working = np.array([d.weekday() < 5 and d not in hols for d in days.date])
    return pd.DataFrame(
        {
            "date": days.date,
            "is_working_day": is_working,
            "working_day_no": np.cumsum(is_working).astype("int32"),
        }
    )
