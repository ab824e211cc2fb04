"""The sparkline: a small static SVG line of recent months, and its range in words.

A static SVG, not a plotly figure, so a page of tiles costs the browser nothing to draw.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from charts.palette import COUNCIL_COLOUR, THRESHOLD_COLOUR, status_colour
from charts.scale import finite_values, value_range
from charts.tables import text_html
from metrics.formatting import format_value


def sparkline_svg_markup(
    months: Sequence,
    values: Sequence[float],
    *,
    unit: str,
    status: object = None,
    height: int = 70,
    threshold: float | None = None,
    label: str = "",
) -> str:
    """A small axis-free line of recent months as a static inline SVG: the fitted range
    (``value_range``), the line, the threshold dotted when it fits, and the latest point in
    its status colour. No Plotly to load and draw: a Plotly sparkline cost the browser about
    0.2 s each, an SVG costs nothing. With no axis to read, ``sparkline_range`` states the
    range in words beside it.

    It stretches to its container's width. ``label`` is its text alternative (role="img").
    """
    ys = [float(v) if finite_values([v]) else None for v in values]
    lines = [("Threshold", float(threshold))] if finite_values([threshold]) else []
    fitted, outside = value_range(ys, lines, unit)
    width, pad = 300.0, 6.0
    parts = []
    if fitted is not None:
        low, high = fitted
        step = (width - 2 * pad) / max(len(ys) - 1, 1)

        def y_of(v: float) -> float:
            return round(height - pad - (v - low) / (high - low) * (height - 2 * pad), 2)

        if lines and not outside:
            ty = y_of(lines[0][1])
            parts.append(
                f'<line x1="0" x2="{width:g}" y1="{ty}" y2="{ty}" stroke="{THRESHOLD_COLOUR}" '
                'stroke-width="1" stroke-dasharray="3 3" vector-effect="non-scaling-stroke"/>'
            )
        path, pen = [], "M"
        for i, v in enumerate(ys):
            if v is None:
                pen = "M"
                continue
            path.append(f"{pen}{pad + i * step:.1f} {y_of(v)}")
            pen = "L"
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{COUNCIL_COLOUR}" stroke-width="2" '
            'stroke-linejoin="round" vector-effect="non-scaling-stroke"/>'
        )
        if ys and ys[-1] is not None:
            x, y = pad + (len(ys) - 1) * step, y_of(ys[-1])
            # A zero-length line with round caps: a dot that stays round however it stretches.
            parts.append(
                f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y}" stroke="#000000" '
                'stroke-width="11" stroke-linecap="round" vector-effect="non-scaling-stroke"/>'
                f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y}" '
                f'stroke="{status_colour(status)}" stroke-width="9" stroke-linecap="round" '
                'vector-effect="non-scaling-stroke"/>'
            )
    text = text_html(label)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{text}" '
        f'width="{width:g}" height="{height}" viewBox="0 0 {width:g} {height}" '
        f'preserveAspectRatio="none"><title>{text}</title>{"".join(parts)}</svg>'
    )


def sparkline_svg(
    months: Sequence, values: Sequence[float], *, label: str = "", height: int = 70, **options
) -> str:
    """The sparkline (``sparkline_svg_markup``, which takes the same ``options``) as an
    ``<img>`` for ``st.html``, which drops inline ``<svg>``: a data URI, full width, ``label``
    as its alt text."""
    markup = sparkline_svg_markup(months, values, label=label, height=height, **options)
    data = base64.b64encode(markup.encode("utf-8")).decode("ascii")
    return (
        f'<img class="csc-spark" src="data:image/svg+xml;base64,{data}" alt="{text_html(label)}" '
        f'style="display:block;width:100%;height:{height}px">'
    )


def sparkline_range(
    months: Sequence, values: Sequence[float], unit: str, threshold: float | None = None
) -> str:
    """The sparkline in words: ``12 months from 1.9% to 3.2%; threshold 0.0% (dotted)``."""
    shown = finite_values(values)
    if not shown:
        return "No figures to draw yet."
    text = (
        f"{len(list(months))} months from {format_value(min(shown), unit)} "
        f"to {format_value(max(shown), unit)}"
    )
    if finite_values([threshold]):
        outside = value_range(shown, [("Threshold", float(threshold))], unit)[1]
        where = "off the chart" if outside else "dotted"
        text += f"; threshold {format_value(threshold, unit)} ({where})"
    return text + "."
