"""Which month a board compares with: the last board meeting's, else the month before.

Board members ask "what has changed since we last met?", so the default comparison is the
month of the latest meeting in ``board_meeting_dates`` (``config/council.yaml``) before the
month being shown. With no earlier meeting, or no data loaded for its month, it is simply the
previous loaded month.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from metrics import api
from metrics.config import load_config


def _first_of_month(value: object) -> date:
    return pd.Timestamp(value).date().replace(day=1)


def compare_month_from(
    month: object, loaded: Sequence[object], meetings: Sequence[date]
) -> date | None:
    """The comparison month for ``month`` given the loaded months and the meeting dates."""
    month = _first_of_month(month)
    earlier = sorted({_first_of_month(m) for m in loaded if _first_of_month(m) < month})
    met = [_first_of_month(d) for d in meetings if _first_of_month(d) < month]
    if met and max(met) in earlier:
        return max(met)
    return earlier[-1] if earlier else None


def compare_month(db: Path | str, month: object) -> date | None:
    """The default "compare with" month for the board page and pack (``None``: no earlier data)."""
    return compare_month_from(month, api.months(db), load_config().board_meeting_dates)
