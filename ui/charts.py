"""Chart builders: plain plotly figures, no Streamlit, so the board pack can export the same ones.

Colours are the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness. Status is never carried by colour alone: the heat table prints the value
and the status icon in every cell, and every line is named in the legend.
Every number printed on a chart is formatted by ``metrics.formatting``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from metrics.formatting import format_figure, format_value, uk_date, uk_month

# Okabe–Ito (2008) colour-blind safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NO_DATA_COLOUR = "#D9D9D9"
COUNCIL_COLOUR = OKABE_ITO["blue"]
TEAM_COLOUR = OKABE_ITO["reddish_purple"]
THRESHOLD_COLOUR = OKABE_ITO["black"]
TARGET_COLOUR = "#6E6E6E"
# Axis labels: set on every axis because Streamlit's chart theme otherwise greys them to
# #808495, 3.7:1 on white (WCAG asks 4.5:1). #444444 is 9.7:1.
AXIS_TEXT_COLOUR = "#444444"
#: Benchmark lines (annual published figures): colour, dash and marker per area type, so each
#: differs from the council's solid monthly line and from each other by more than colour.
BENCHMARK_STYLES = {
    "ENGLAND": (OKABE_ITO["orange"], "longdash", "square"),
    "REGION": (OKABE_ITO["sky_blue"], "dashdot", "triangle-up"),
    "NEIGHBOURS": (OKABE_ITO["bluish_green"], "longdashdot", "x"),
}
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 15, "color": "#1A1A1A"}

# Status order and colour; ``status_key`` maps the metrics layer's status to these keys.
STATUS_COLOURS = {
    "no_data": NO_DATA_COLOUR,
    "on_track": OKABE_ITO["bluish_green"],
    "at_risk": OKABE_ITO["orange"],
    "off_track": OKABE_ITO["vermillion"],
}
_STATUS_ORDER = list(STATUS_COLOURS)


def status_key(status: object) -> str:
    """``on track`` / ``on_track`` / ``On track`` → ``on_track``; anything else → ``no_data``."""
    key = str(status or "").strip().lower().replace(" ", "_").replace("-", "_")
    return key if key in STATUS_COLOURS else "no_data"


def status_colour(status: object) -> str:
    """The Okabe–Ito colour for a status (always shown beside its words and icon)."""
    return STATUS_COLOURS[status_key(status)]


#: The data must keep at least this share of the value range when a threshold or benchmark
#: is added to it; a line further off is named at the chart's edge instead. With the margin
#: below the data fills at least 0.4 / 1.24 ≈ 32 % of the plot height, so a month-on-month
#: movement is visible (a 0–105 % axis left 2–8 % of it to the data).
MIN_FILL = 0.4
#: Space above and below the fitted range, as a share of it.
MARGIN = 0.12
#: The least range an axis spans (flat data would otherwise zoom into rounding noise).
MIN_SPAN = {"percent": 1.0, "number": 1.0, "count": 2.0}
#: Months of projection drawn beyond the chosen period (the sentence says the rest).
PROJECTION_MONTHS = 6


def _finite(values: Sequence[object]) -> list[float]:
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
    values = _finite(data)
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


def _value_axis(fig: go.Figure, unit: str, data: Sequence[object], lines) -> None:
    """Fit the y axis to the data and reference lines; name lines left outside at the edge."""
    fitted, outside = value_range(data, lines, unit)
    axis: dict = {"ticksuffix": "%"} if unit == "percent" else {}
    if fitted is not None:
        axis["range"] = fitted
        if unit == "count":  # whole children: whole-number ticks
            step = max(1, _nice_step((fitted[1] - fitted[0]) / 5))
            axis.update(tickformat=",d", tick0=0, dtick=step)
    fig.update_yaxes(**axis)
    for i, (name, v) in enumerate(outside):
        above = fitted is not None and v > fitted[1]
        fig.add_annotation(
            x=1,
            xref="paper",
            xanchor="right",
            y=1 if above else 0,
            yref="paper",
            yanchor="top" if above else "bottom",
            yshift=-22 * i if above else 22 * i,
            text=f"{'↑' if above else '↓'} {name} {format_value(v, unit)}: "
            f"{'above' if above else 'below'} this range",
            showarrow=False,
            bgcolor="rgba(255,255,255,0.85)",
            font={"color": THRESHOLD_COLOUR, "size": fig.layout.font.size or FONT["size"]},
        )


def _nice_step(raw: float) -> int:
    """A round tick step (1, 2, 5, 10, 20, …) at least ``raw``."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= raw:
                return step * m
        step *= 10


def _time_axis(
    fig: go.Figure,
    first: pd.Timestamp,
    shown: pd.Timestamp,
    last: pd.Timestamp,
    target_date: date | None,
    size: int,
) -> None:
    """The chosen months (``first`` to ``last``) and no more; a target date outside them is
    named at that edge. ``shown`` is the latest month with figures: a date by the end of it
    has passed."""
    edges = [first - pd.Timedelta(days=15), last + pd.Timedelta(days=15)]
    # Level month labels, few enough not to touch at any width (rotated ones ran into the
    # legend); every month's figure is in the hover and the table.
    fig.update_xaxes(tickangle=0, nticks=6)
    if target_date is None:
        fig.update_xaxes(range=edges)
        return
    due = pd.Timestamp(target_date)
    passed = due <= shown + pd.offsets.MonthEnd(0)
    text = f"Target date {uk_date(target_date)}" + (" — passed" if passed else "")
    inside = first <= due <= last + pd.offsets.MonthEnd(0)
    if inside:
        edges[1] = max(edges[1], due + pd.Timedelta(days=5))
    fig.update_xaxes(range=edges)
    if inside:
        fig.add_vline(x=due, line={"color": TARGET_COLOUR, "dash": "dash"})
        fig.add_annotation(
            x=due,
            y=1,
            yref="paper",
            text=text,
            showarrow=False,
            xanchor="right",
            yanchor="top",
            bgcolor="rgba(255,255,255,0.85)",
            font={"color": TARGET_COLOUR, "size": size},
        )
        return
    fig.add_annotation(
        x=0 if passed else 1,
        xref="paper",
        xanchor="left" if passed else "right",
        y=1,
        yref="paper",
        yanchor="bottom",
        text=f"← {text}" if passed else f"{text} →",
        showarrow=False,
        font={"color": TARGET_COLOUR, "size": size},
    )


def _base_layout(
    fig: go.Figure, title: str, height: int, font_size: int = FONT["size"]
) -> go.Figure:
    """Title top left, the legend under the plot (never over the title), readable text.

    ``font_size`` is the smallest text's size in pixels: the board mode raises it so a room
    can read the axis labels.
    """
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8},
            "font": {"size": font_size + 3},
        },
        font={**FONT, "size": font_size},
        height=height,
        margin={"l": 10, "r": 10, "t": 2 * font_size + 40, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.2,
            "x": 0,
            "xanchor": "left",
            "font": {"size": font_size},
        },
        hoverlabel={"font_size": 15},
    )
    # Sizes on every axis too: Streamlit's chart theme sets its own (smaller) tick fonts.
    ticks = {"color": AXIS_TEXT_COLOUR, "size": font_size}
    fig.update_xaxes(showgrid=False, tickformat="%b %Y", linecolor="#BBBBBB", tickfont=ticks)
    fig.update_yaxes(gridcolor="#E5E5E5", zeroline=False, tickfont=ticks)
    return fig


def trend_figure(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    target_date: date | None = None,
    height: int = 380,
    projection: pd.DataFrame | None = None,
    benchmarks: pd.DataFrame | None = None,
    font_size: int = FONT["size"],
) -> go.Figure:
    """Lines over months against the threshold, with the target date marked.

    ``series`` has columns ``month``, ``line`` (legend label, e.g. "Council" or a team name),
    ``value`` and ``threshold``. The first line drawn is the council's (solid blue); any
    other line is dashed purple so the two differ by more than colour. The threshold is taken
    from the first line's rows and drawn as a black dotted step, so a threshold that changes
    over time is shown as it was each month. ``projection`` (``month``, ``value``), if given,
    is drawn as a dotted blue line named as a projection in the legend. ``benchmarks``
    (``metrics.comparison.benchmarks(...).series``), if given, adds one line per published
    comparison (England, region, statistical neighbours): each annual figure is a flat step
    across the year it covers, clipped to the months shown.

    The value axis is fitted to the lines and the threshold (``value_range``); the time
    axis spans the months in ``series`` (plus at most ``PROJECTION_MONTHS`` of projection),
    so a target date years before is named at the left edge, not drawn by stretching the
    axis. With ``numerator`` and ``denominator`` columns, hover shows the counts behind a
    percentage. ``font_size`` is the smallest text in pixels (18+ for a room).
    """
    fig = go.Figure()
    styles = [
        {"color": COUNCIL_COLOUR, "width": 3, "dash": "solid"},
        {"color": TEAM_COLOUR, "width": 3, "dash": "dash"},
    ]
    symbols = ["circle", "diamond"]
    lines = list(dict.fromkeys(series["line"]))
    for i, name in enumerate(lines):
        rows = series[series["line"] == name].sort_values("month")
        fig.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows["value"],
                name=str(name),
                mode="lines+markers",
                line=styles[min(i, 1)],
                marker={"symbol": symbols[min(i, 1)], "size": 8},
                customdata=[
                    [uk_month(m), format_figure(v, unit, n, d)]
                    for m, v, n, d in zip(
                        rows["month"],
                        rows["value"],
                        rows.get("numerator", [None] * len(rows)),
                        rows.get("denominator", [None] * len(rows)),
                        strict=True,
                    )
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + str(name) + "</extra>",
                connectgaps=False,
            )
        )
    data = list(series["value"])
    references: list[tuple[str, float]] = []
    if lines and "threshold" in series:
        first = series[series["line"] == lines[0]].sort_values("month")
        references += [("Threshold", v) for v in _finite(first["threshold"].unique())]
        if first["threshold"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=first["month"],
                    y=first["threshold"],
                    name="Threshold",
                    mode="lines",
                    line={"color": THRESHOLD_COLOUR, "width": 2, "dash": "dot", "shape": "hv"},
                    customdata=[format_value(v, unit) for v in first["threshold"]],
                    hovertemplate="Threshold %{customdata}<extra></extra>",
                )
            )
    if benchmarks is not None and len(benchmarks) and len(series):
        first, last = min(series["month"]), max(series["month"])
        for name, rows in benchmarks.groupby("line", sort=False):
            trace = _benchmark_trace(str(name), rows, unit, first, last)
            if trace is not None:
                fig.add_trace(trace)
                shown = [y for y in trace.y if y is not None]
                references += [(trace.name, v) for v in _finite(shown[-1:])]
    end = shown = pd.Timestamp(max(series["month"])) if len(series) else None
    if projection is not None and len(projection) and end is not None:
        ahead = projection[
            pd.to_datetime(projection["month"]) <= end + pd.DateOffset(months=PROJECTION_MONTHS)
        ]
        fig.add_trace(_projection_trace(ahead, unit))
        data += list(ahead["value"])
        end = max(end, pd.Timestamp(max(ahead["month"])))
    _base_layout(fig, title, height, font_size)
    _value_axis(fig, unit, data, references)
    if end is not None:
        first = pd.Timestamp(min(series["month"]))
        _time_axis(fig, first, shown, end, target_date, font_size)
    return fig


def _benchmark_trace(
    name: str, rows: pd.DataFrame, unit: str, first: object, last: object
) -> go.Scatter | None:
    """One published comparison as steps: each year's figure flat across the year it covers.

    Figures made up for the demo say "illustrative" in the legend and on hover.
    """
    start_limit = pd.Timestamp(first)
    end_limit = pd.Timestamp(last) + pd.offsets.MonthEnd(0)
    xs, ys, hover, made_up = [], [], [], []
    for row in rows.sort_values("period_end").itertuples(index=False):
        start = max(pd.Timestamp(row.period_start), start_limit)
        end = min(pd.Timestamp(row.period_end), end_limit)
        if start > end:
            continue
        label = f"{name}, {row.period}: {format_value(row.value, unit)}"
        label += " (illustrative)" if row.illustrative else f" ({row.source})"
        xs += [start, end, None]
        ys += [row.value, row.value, None]
        hover += [label, label, ""]
        made_up.append(bool(row.illustrative))
    if not xs:
        return None
    colour, dash, symbol = BENCHMARK_STYLES.get(
        rows["area_type"].iloc[0], BENCHMARK_STYLES["ENGLAND"]
    )
    if all(made_up):
        name += " (illustrative)"
    elif any(made_up):
        name += " (partly illustrative)"
    return go.Scatter(
        x=xs,
        y=ys,
        name=name,
        mode="lines+markers",
        line={"color": colour, "width": 2, "dash": dash},
        marker={"symbol": symbol, "size": 7, "color": colour},
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        connectgaps=False,
    )


def _projection_trace(projection: pd.DataFrame, unit: str) -> go.Scatter:
    """The council's recent straight-line trend carried forward (``month``, ``value``)."""
    return go.Scatter(
        x=projection["month"],
        y=projection["value"],
        name="Projection (trend of last 6 months)",
        mode="lines",
        line={"color": COUNCIL_COLOUR, "width": 2, "dash": "dot"},
        customdata=[
            [uk_month(m), format_value(v, unit)]
            for m, v in zip(projection["month"], projection["value"], strict=True)
        ],
        hovertemplate="Projection %{customdata[0]}: %{customdata[1]}<extra></extra>",
    )


def team_heat_figure(
    cells: pd.DataFrame,
    *,
    title: str,
    unit: str,
    height: int | None = None,
) -> go.Figure:
    """A month × team table: each cell prints the value and the status icon, shaded by status.

    ``cells`` has columns ``month``, ``team``, ``value``, ``status`` and ``icon``.
    Teams run top to bottom in the order given; months left to right.
    """
    months = sorted(cells["month"].unique())
    teams = list(dict.fromkeys(cells["team"]))
    grid = cells.set_index(["team", "month"])
    z, text, hover = [], [], []
    for team in teams:
        z_row, text_row, hover_row = [], [], []
        for month in months:
            if (team, month) in grid.index:
                cell = grid.loc[(team, month)]
                key = status_key(cell["status"])
                label = format_value(cell["value"], unit)
                icon = "" if key == "no_data" else f" {cell['icon']}"
                words = key.replace("_", " ")
            else:
                key, label, icon, words = "no_data", "–", "", "no data"
            z_row.append(_STATUS_ORDER.index(key))
            text_row.append(f"{label}{icon}")
            hover_row.append(f"{team}, {uk_month(month)}: {label} ({words})")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    n = len(_STATUS_ORDER)
    scale = []
    for i, key in enumerate(_STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[key]], [(i + 1) / n, STATUS_COLOURS[key]]]
    fig = go.Figure(
        go.Heatmap(
            x=[uk_month(m) for m in months],
            y=teams,
            z=z,
            zmin=-0.5,
            zmax=n - 0.5,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13, "color": "#000000"},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    _base_layout(fig, title, height or 90 + 34 * max(len(teams), 1))
    fig.update_xaxes(side="top", tickformat=None, type="category")
    fig.update_yaxes(autorange="reversed", type="category", gridcolor=None)
    return fig


def sparkline_figure(
    months: Sequence,
    values: Sequence[float],
    *,
    unit: str,
    status: object = None,
    height: int = 70,
    threshold: float | None = None,
) -> go.Figure:
    """A small axis-free line of recent months, the latest point marked in its status colour.

    The threshold is a dotted line when it fits the fitted range (``value_range``); with no
    axis to read, ``sparkline_range`` states the range in words beside it.
    """
    fig = go.Figure(
        go.Scatter(
            x=list(months),
            y=list(values),
            mode="lines",
            line={"color": COUNCIL_COLOUR, "width": 2},
            customdata=[
                [uk_month(m), format_value(v, unit)] for m, v in zip(months, values, strict=True)
            ],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        )
    )
    if len(months):
        fig.add_trace(
            go.Scatter(
                x=[list(months)[-1]],
                y=[list(values)[-1]],
                mode="markers",
                marker={"color": status_colour(status), "size": 9, "line": {"width": 1}},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 4, "b": 4},
        showlegend=False,
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    lines = [("Threshold", float(threshold))] if _finite([threshold]) else []
    fitted, outside = value_range(list(values), lines, unit)
    if lines and not outside:
        fig.add_hline(y=lines[0][1], line={"color": THRESHOLD_COLOUR, "width": 1, "dash": "dot"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=fitted)
    return fig


def sparkline_range(
    months: Sequence, values: Sequence[float], unit: str, threshold: float | None = None
) -> str:
    """The sparkline in words: ``12 months from 1.9% to 3.2%; threshold 0.0% (dotted)``."""
    shown = _finite(values)
    if not shown:
        return "No figures to draw yet."
    text = (
        f"{len(list(months))} months from {format_value(min(shown), unit)} "
        f"to {format_value(max(shown), unit)}"
    )
    if _finite([threshold]):
        outside = value_range(shown, [("Threshold", float(threshold))], unit)[1]
        where = "off the chart" if outside else "dotted"
        text += f"; threshold {format_value(threshold, unit)} ({where})"
    return text + "."
