"""The value range a chart is drawn over, shared by the trend figure and the sparkline.

Both fit the axis to the data first and let a threshold or benchmark widen it only while
the data keep enough of the height to show month-on-month movement.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The data must keep at least this share of the value range when a threshold or benchmark
#: is added to it; a line further off is named at the chart's edge instead. With the margin
#: below the data fills at least 0.4 / 1.24 ≈ 32 % of the plot height, so a month-on-month
#: movement is visible (a 0–105 % axis left 2–8 % of it to the data).
MIN_FILL = 0.4
#: Space above and below the fitted range, as a share of it.
MARGIN = 0.12
#: The least range an axis spans (flat data would otherwise zoom into rounding noise).
MIN_SPAN = {"percent": 1.0, "number": 1.0, "count": 2.0}


def finite_values(values: Sequence[object]) -> list[float]:
    """The values that are real numbers: a missing, non-numeric or infinite figure is skipped,
    so it neither stretches an axis nor breaks a line."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if f == f and abs(f) != float("inf"):
            out.append(f)
    return out


def value_range(
    data: Sequence[object], lines: Sequence[tuple[str, float]], unit: str
) -> tuple[list[float] | None, list[tuple[str, float]]]:
    """The value axis range for ``data`` and the reference ``lines`` that fit beside it.

    Each line (threshold, benchmark: ``(name, value)``), nearest first, widens the range
    only while the data keep ``MIN_FILL`` of it; the others come back to be named at the
    edge. A line at 0 that is kept sits inside the margin, not under the axis line.
    Returns ``(None, [])`` when there is no data.
    """
    values = finite_values(data)
    if not values:
        return None, []
    lo, hi = min(values), max(values)
    least = MIN_SPAN.get(unit, 1.0)
    real, centre = hi - lo, (lo + hi) / 2
    outside = []
    for name, v in sorted(lines, key=lambda line: abs(line[1] - centre)):
        new_lo, new_hi = min(lo, v), max(hi, v)
        if new_hi - new_lo <= least or real / (new_hi - new_lo) >= MIN_FILL:
            lo, hi = new_lo, new_hi
        else:
            outside.append((name, v))
    if hi - lo < least:  # flat figures: a small fixed range, not a zoom into rounding
        centre = (lo + hi) / 2
        lo, hi = centre - least / 2, centre + least / 2
    pad = (hi - lo) * MARGIN
    low = lo - pad
    if min(values) >= 0 and not any(v < 0 for _, v in lines):
        low = max(low, -pad)  # nothing below zero to show: no long empty band under it
    return [low, hi + pad], outside
