"""A trend figure drawn as static SVG on the server: the page's first chart without Plotly.

Measured in the browser (BENCHMARKS.md), a page's first Plotly chart costs a new visitor
about 1.5 s: the browser fetches and compiles plotly.js (4.6 MB) before it draws anything.
Most people glance at a trend and move on, and the exact figures are in "Table of this
chart", so the chart a page opens with is drawn here as SVG from the same ``go.Figure`` that
``charts.trend.trend_figure`` builds (one definition of the chart: title, lines, styles,
axis ranges, notes); Plotly is drawn only when someone asks for the interactive chart.

It draws what the trend figure uses, and no more: scatter traces (lines, markers or both;
solid and Plotly's dash styles; straight or ``hv`` steps; gaps left at missing values; a
``fill="toself"`` polygon, the process band), the markers circle, diamond, square,
triangle-up, x and the open circle and square that mark special causes, vertical line
shapes, text notes placed in data or paper coordinates, a date x axis and a value y axis
with ``range``, ``dtick``, ``tick0`` and ``ticksuffix``, the title and a horizontal legend
at the foot. Text widths are
estimated (no font metrics on the server), generously, so labels are spaced apart.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd
import plotly.graph_objects as go

from charts.palette import AXIS_TEXT_COLOUR, FONT

#: Average glyph width as a share of the font size, on the generous side for Arial and
#: Source Sans Pro, so estimated boxes are never narrower than the drawn text.
GLYPH = 0.56
#: Plotly's dash patterns, in multiples of the line width (at least 3 px), as plotly.js sets them.
DASHES = {
    "solid": (),
    "dot": (1, 1),
    "dash": (3, 3),
    "longdash": (5, 5),
    "dashdot": (3, 1, 1, 1),
    "longdashdot": (5, 2, 1, 2),
}
#: Month steps tried for the x axis ticks, smallest first.
MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 60)


def text_width(text: str, size: float) -> float:
    """Estimated width in pixels of ``text`` at ``size`` px."""
    return len(text) * size * GLYPH


@dataclass(frozen=True)
class _Box:
    """The plot area in SVG pixels, with its x (time) and y (value) ranges."""

    left: float
    top: float
    right: float
    bottom: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, when: object) -> float:
        t = _epoch_days(when)
        return self.left + (t - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)

    def paper_x(self, share: float) -> float:
        return self.left + share * (self.right - self.left)

    def paper_y(self, share: float) -> float:
        return self.bottom - share * (self.bottom - self.top)


def _epoch_days(when: object) -> float:
    return pd.Timestamp(when).value / 86_400e9


def _finite(value: object) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _nice(raw: float) -> float:
    """A round step (1, 2, 2.5, 5 × 10^k) at least ``raw``."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _value_ticks(axis, low: float, high: float) -> list[float]:
    step = float(axis.dtick) if axis.dtick else _nice((high - low) / 5)
    start = float(axis.tick0 or 0)
    first = start + math.ceil((low - start) / step - 1e-9) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [first + i * step for i in range(max(count, 0))]


def _value_label(value: float, axis) -> str:
    if axis.tickformat == ",d":
        text = f"{round(value):,}"
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.1f}".rstrip("0").rstrip(".")
    return text + (axis.ticksuffix or "")


def _month_ticks(x0: float, x1: float, most: int) -> list[pd.Timestamp]:
    """Month starts inside the range, a round number of months apart, at most ``most``."""
    first = pd.Timestamp(x0 * 86_400e9).to_period("M").start_time
    months = []
    when = first
    while _epoch_days(when) <= x1:
        if _epoch_days(when) >= x0:
            months.append(when)
        when += pd.DateOffset(months=1)
    for step in MONTH_STEPS:
        chosen = [m for m in months if (m.year * 12 + m.month - 1) % step == 0]
        if len(chosen) <= most:
            return chosen
    return months[:1]


def _dash(style: str | None, width: float) -> str:
    pattern = DASHES.get(style or "solid", ())
    unit = max(width, 3)
    return f' stroke-dasharray="{",".join(f"{p * unit:g}" for p in pattern)}"' if pattern else ""


def _marker(symbol: str, x: float, y: float, size: float, colour: str) -> str:
    """One marker, ``size`` px across, outlined so it shows on a line of its own colour."""
    r = size / 2
    if symbol in ("circle-open", "square-open"):  # an outline only, 3 px, in the colour
        ring = f'fill="none" stroke="{colour}" stroke-width="3"'
        if symbol == "circle-open":
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:g}" {ring}/>'
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{size:g}" height="{size:g}" {ring}/>'
    outline = f'fill="{colour}" stroke="#444444" stroke-width="1"'
    if symbol == "square":
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{size:g}" height="{size:g}" {outline}/>'
        )
    if symbol == "diamond":
        corners = ((x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y))
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in corners)
        return f'<polygon points="{points}" {outline}/>'
    if symbol == "triangle-up":
        points = (
            f"{x:.1f},{y - r * 1.2:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}"
        )
        return f'<polygon points="{points}" {outline}/>'
    if symbol == "x":
        return (
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
            f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="3"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:g}" {outline}/>'


def _segments(trace, box: _Box) -> Iterator[list[tuple[float, float]]]:
    """Runs of consecutive drawable points: a missing value leaves a gap, as Plotly does."""
    run: list[tuple[float, float]] = []
    for when, value in zip(trace.x, trace.y, strict=True):
        if _finite(value) and when is not None:
            run.append((box.x(when), box.y(float(value))))
        elif run:
            yield run
            run = []
    if run:
        yield run


def _paint(colour: str) -> str:
    """A fill attribute from a CSS colour; ``rgba(r, g, b, a)`` as ``rgb`` plus
    ``fill-opacity`` (SVG 1.1 readers, such as a PDF's, take no ``rgba``)."""
    if colour.startswith("rgba("):
        *rgb, alpha = (part.strip() for part in colour[5:-1].split(","))
        return f'fill="rgb({",".join(rgb)})" fill-opacity="{alpha}"'
    return f'fill="{colour}"'


def _fill_svg(trace, box: _Box) -> str:
    """A ``fill="toself"`` trace: the polygon through its points, filled, no outline."""
    points = [
        f"{box.x(when):.1f},{box.y(float(value)):.1f}"
        for when, value in zip(trace.x, trace.y, strict=True)
        if when is not None and _finite(value)
    ]
    paint = _paint(trace.fillcolor or "#DDDDDD")
    return f'<polygon points="{" ".join(points)}" {paint} stroke="none"/>' if points else ""


def _trace_svg(trace, box: _Box) -> str:
    if trace.fill == "toself":
        return _fill_svg(trace, box)
    mode = trace.mode or "lines+markers"
    line = trace.line
    colour = line.color or "#000000"
    parts = []
    if "lines" in mode:
        width = line.width or 2
        for run in _segments(trace, box):
            d = f"M{run[0][0]:.1f},{run[0][1]:.1f}"
            for x, y in run[1:]:
                d += f"H{x:.1f}V{y:.1f}" if line.shape == "hv" else f"L{x:.1f},{y:.1f}"
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width:g}" '
                f'stroke-linejoin="round"{_dash(line.dash, width)}/>'
            )
    if "markers" in mode:
        marker = trace.marker
        fill = marker.color if isinstance(marker.color, str) else colour
        for run in _segments(trace, box):
            parts += [
                _marker(marker.symbol or "circle", x, y, marker.size or 6, fill) for x, y in run
            ]
    return "".join(parts)


def _text(
    kind: str, x: float, y: float, text: str, size: float, colour: str, anchor: str = "start"
) -> str:
    """A text of one ``kind`` (title, legend, xtick, ytick, note): the class lets a browser
    test measure each kind's drawn boxes against the others'."""
    return (
        f'<text class="{kind}" x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _legend_items(fig: go.Figure) -> list[tuple[str, object]]:
    return [(str(t.name), t) for t in fig.data if t.name and t.showlegend is not False]


def _legend_rows(items: Sequence[tuple[str, object]], width: float, size: float) -> list[list]:
    """Items laid left to right, wrapped onto a new row when the next would not fit."""
    rows: list[list] = [[]]
    used = 0.0
    for name, trace in items:
        need = 40 + 6 + text_width(name, size) + 24
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0.0
        rows[-1].append((used, name, trace))
        used += need
    return rows


def _legend_svg(rows: list[list], left: float, top: float, size: float, row_height: float) -> str:
    parts = []
    for r, row in enumerate(rows):
        y = top + r * row_height + row_height / 2
        for offset, name, trace in row:
            x = left + offset
            mode = trace.mode or "lines+markers"
            colour = trace.line.color or "#000000"
            if trace.fill == "toself":
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - size * 0.45:.1f}" width="40" '
                    f'height="{size * 0.9:.1f}" {_paint(trace.fillcolor or "#DDDDDD")}/>'
                )
            elif "lines" in mode:
                width = trace.line.width or 2
                parts.append(
                    f'<path d="M{x:.1f},{y:.1f}h40" stroke="{colour}" stroke-width="{width:g}"'
                    f"{_dash(trace.line.dash, width)}/>"
                )
            if "markers" in mode:
                fill = trace.marker.color if isinstance(trace.marker.color, str) else colour
                parts.append(
                    _marker(
                        trace.marker.symbol or "circle", x + 20, y, trace.marker.size or 6, fill
                    )
                )
            parts.append(_text("legend", x + 46, y + size * 0.35, name, size, FONT["color"]))
    return "".join(parts)


def _note_svg(note, box: _Box, base_size: float) -> str:
    """A text note (``fig.add_annotation``) at its anchor, on its background if it has one."""
    size = (note.font.size if note.font and note.font.size else None) or base_size
    colour = (note.font.color if note.font and note.font.color else None) or FONT["color"]
    x = box.paper_x(float(note.x)) if note.xref == "paper" else box.x(note.x)
    y = box.paper_y(float(note.y)) if note.yref == "paper" else box.y(float(note.y))
    y -= note.yshift or 0
    width, height = text_width(note.text, size) + 6, size * 1.35
    left = {"left": x, "right": x - width}.get(note.xanchor or "center", x - width / 2)
    top = {"top": y, "bottom": y - height}.get(note.yanchor or "middle", y - height / 2)
    back = (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="#FFFFFF" fill-opacity="0.85"/>'
        if note.bgcolor
        else ""
    )
    return back + _text("note", left + 3, top + size * 1.02, note.text, size, colour)


def _vline_svg(shape, box: _Box) -> str:
    """A vertical line shape (``fig.add_vline``: x in data, y a share of the plot's height)."""
    width = shape.line.width or 2
    return (
        f'<path d="M{box.x(shape.x0):.1f},{box.paper_y(float(shape.y0)):.1f}'
        f'V{box.paper_y(float(shape.y1)):.1f}" stroke="{shape.line.color or "#000000"}" '
        f'stroke-width="{width:g}"{_dash(shape.line.dash, width)}/>'
    )


def _data_range(fig: go.Figure, axis: str) -> tuple[float, float]:
    values = [
        _epoch_days(v) if axis == "x" else float(v)
        for t in fig.data
        for v in getattr(t, axis)
        if v is not None and (axis == "x" or _finite(v))
    ]
    if not values:
        return (0.0, 1.0)
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or 1.0
    return low - pad, high + pad


def figure_svg(fig: go.Figure, *, width: int = 900, label: str = "") -> str:
    """``fig`` as an SVG document ``width`` pixels wide and as tall as the figure's height,
    ``label`` as its accessible name (``role="img"``, ``<title>``)."""
    layout = fig.layout
    height = layout.height or 380
    size = (layout.font.size if layout.font else None) or FONT["size"]
    family = escape((layout.font.family if layout.font else None) or FONT["family"], quote=True)
    xaxis, yaxis = layout.xaxis, layout.yaxis
    margin = layout.margin
    x0, x1 = (
        (_epoch_days(xaxis.range[0]), _epoch_days(xaxis.range[1]))
        if xaxis.range
        else _data_range(fig, "x")
    )
    y0, y1 = (
        (float(yaxis.range[0]), float(yaxis.range[1])) if yaxis.range else _data_range(fig, "y")
    )
    y_ticks = _value_ticks(yaxis, y0, y1)
    y_labels = [_value_label(v, yaxis) for v in y_ticks]
    tick_size = (yaxis.tickfont.size if yaxis.tickfont else None) or size
    left = (margin.l or 10) + max((text_width(t, tick_size) for t in y_labels), default=0) + 8
    right = width - (margin.r or 10)
    legend = _legend_rows(_legend_items(fig), width - 20, size)
    row_height = size * 1.6
    legend_height = len(legend) * row_height
    top = margin.t if margin.t is not None else 60
    # The foot keeps the month labels clear of the legend, as the Plotly figure does.
    bottom = height - max(margin.b or 60, legend_height + tick_size * 2 + 16)
    box = _Box(left, top, right, bottom, x0, x1, y0, y1)

    parts = [f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>']
    for value, text in zip(y_ticks, y_labels, strict=True):
        y = box.y(value)
        parts.append(f'<path d="M{left:.1f},{y:.1f}H{right:.1f}" stroke="#E5E5E5"/>')
        parts.append(
            _text("ytick", left - 6, y + tick_size * 0.35, text, tick_size, AXIS_TEXT_COLOUR, "end")
        )
    parts.append(f'<path d="M{left:.1f},{bottom:.1f}H{right:.1f}" stroke="#BBBBBB"/>')
    x_tick_size = (xaxis.tickfont.size if xaxis.tickfont else None) or size
    for when in _month_ticks(x0, x1, xaxis.nticks or 6):
        x = box.x(when)
        parts.append(f'<path d="M{x:.1f},{bottom:.1f}v5" stroke="#BBBBBB"/>')
        parts.append(
            _text(
                "xtick",
                x,
                bottom + 8 + x_tick_size,
                when.strftime("%b %Y"),
                x_tick_size,
                AXIS_TEXT_COLOUR,
                "middle",
            )
        )
    parts.append(
        f'<clipPath id="plot"><rect x="{left:.1f}" y="{top:.1f}" '
        f'width="{right - left:.1f}" height="{bottom - top:.1f}"/></clipPath>'
    )
    drawn = [_vline_svg(s, box) for s in layout.shapes if s.type == "line" and s.x0 == s.x1]
    drawn += [_trace_svg(t, box) for t in fig.data]
    parts.append(f'<g clip-path="url(#plot)">{"".join(drawn)}</g>')
    parts += [_note_svg(note, box, size) for note in layout.annotations]
    title = layout.title.text if layout.title else None
    if title:
        title_size = (layout.title.font.size if layout.title.font else None) or size + 3
        parts.append(_text("title", 0, 8 + title_size, title, title_size, FONT["color"]))
    parts.append(_legend_svg(legend, 0, height - legend_height - 4, size, row_height))
    name = escape(label, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{name}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{family}"><title>{name}</title>{"".join(parts)}</svg>'
    )


def figure_img(fig: go.Figure, *, width: int = 900, label: str, largest: float = 1.3) -> str:
    """The figure (``figure_svg``) as an ``<img>`` for ``st.html``, which drops inline SVG:
    ``label`` is its alt text. It fills its column keeping its shape, text and all, up to
    ``largest`` times its drawn size (beyond that it would be a poster, not a chart), so
    ``width`` is chosen near the column's width on a laptop."""
    markup = figure_svg(fig, width=width, label=label)
    data = base64.b64encode(markup.encode("utf-8")).decode("ascii")
    return (
        f'<img class="csc-chart" src="data:image/svg+xml;base64,{data}" '
        f'alt="{escape(label, quote=True)}" '
        f'style="display:block;width:100%;max-width:{width * largest:.0f}px;height:auto">'
    )
