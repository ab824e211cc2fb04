"""Dates in words as the council writes them, in English whatever the machine's locale:
``31 May 2021``. The lowest layer, so the loader and the audit trail word dates exactly as the
dashboard does (``metrics.formatting`` builds on these).
"""

from __future__ import annotations

from datetime import date

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def uk_date(day: date) -> str:
    """``31 May 2021`` (a date, datetime or pandas Timestamp)."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
