"""Chart builders: plain plotly figures, no Streamlit, so the board pack can export the same ones.

Colours are the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness. Status is never carried by colour alone: the heat table prints the value
and the status icon in every cell, and every line is named in the legend.
Every number printed on a chart is formatted by ``metrics.formatting``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from metrics.formatting import count_text, format_figure, format_value, uk_date, uk_month

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
#: Benchmarks (annual published figures, drawn as one point a year): colour, dash (kept for
#: callers that draw lines) and marker per area type, so each differs from the council's
#: solid monthly line and from each other by more than colour.
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
        # The legend sits on the figure's bottom edge (container, not plot, coordinates) with
        # room kept above it for the month labels: placed at a share of the plot's height
        # it ran into them once the board's text was made larger.
        margin={"l": 10, "r": 10, "t": 2 * font_size + 40, "b": 3 * font_size + 34},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
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
    comparison (England, region, statistical neighbours): each annual figure is one point
    (no line) in the month its year ends, for the years that overlap the months shown.

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
                name=html.escape(str(name)),  # Plotly draws <a href> in a name as a link
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
    """One published comparison as annual points: one marker per year, no line.

    The DfE publishes these figures once a year, so a line (or a flat step across the year)
    would suggest monthly movement nobody measured. Each year's marker sits in the month its
    period ends (its census or year-end date), moved to the nearest month shown when that
    month is outside the period shown; a year that does not overlap the months shown is left
    out. Figures made up for the demo say "illustrative" in the legend and on hover.
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
        xs.append(end.to_period("M").start_time)
        ys.append(row.value)
        hover.append(label)
        made_up.append(bool(row.illustrative))
    if not xs:
        return None
    colour, _dash, symbol = BENCHMARK_STYLES.get(
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
        mode="markers",
        marker={"symbol": symbol, "size": 11, "color": colour, "line": {"width": 1}},
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
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


#: Status in words, for screen readers and the table's key (the icon is the visible symbol).
STATUS_WORDS = {
    "no_data": "no data",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
}
#: Visually hidden but read by screen readers (the usual "sr-only" rule, inline: ``st.html``
#: content has no shared style sheet).
_SR_ONLY = (
    "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0"
)
#: Characters written as numeric entities in every text put into a table: HTML's own (so a
#: team called ``<a href=..>`` is text) and Markdown's (so ``![x](http://evil)`` stays text
#: even if the HTML is ever passed through a Markdown renderer).
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'[]()!*_`#|~\\{}$:"}
_CELL = "padding:4px 6px;border:1px solid #FFFFFF;vertical-align:top;white-space:nowrap"
_HEAD = f"{_CELL};background:#F0F2F6;font-weight:600;color:#1A1A1A"


def text_html(value: object) -> str:
    """``value`` as literal text inside HTML: every markup character an entity."""
    return "".join(_ENTITIES.get(ch, ch) for ch in str(value))


def _has_counts(frame: pd.DataFrame, unit: str) -> bool:
    return unit == "percent" and {"numerator", "denominator"} <= set(frame.columns)


def html_table(
    header: Sequence[str],
    rows: Sequence[tuple[str, Sequence[tuple[str, str, str]]]],
    caption: str,
    note: str = "",
) -> str:
    """A table with a caption, column headers (``<th scope="col">``) and a row header
    (``<th scope="row">``) per row. ``rows`` are ``(row header, cells)`` with each cell
    ``(inner HTML, cell style, title)``; the headers and caption are escaped here, the cells'
    HTML must be built from ``text_html`` output."""
    head = "".join(
        f'<th scope="col" style="{_HEAD};text-align:{"left" if i == 0 else "center"}">'
        f"{text_html(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for name, cells in rows:
        tds = "".join(
            f'<td style="{_CELL};text-align:center;{style}"'
            + (f' title="{text_html(title)}"' if title else "")
            + f">{inner}</td>"
            for inner, style, title in cells
        )
        body.append(
            f'<tr><th scope="row" style="{_HEAD};text-align:left">{text_html(name)}</th>{tds}</tr>'
        )
    foot = f'<p style="margin:4px 0 0;font-size:0.85rem;color:#444444">{note}</p>' if note else ""
    return (
        # A wide table scrolls sideways: the scrolling box takes keyboard focus (tabindex)
        # and is named, so a keyboard user can scroll it too (WCAG 2.1.1; axe's
        # scrollable-region-focusable).
        f'<div role="region" tabindex="0" aria-label="{text_html(caption)}" '
        'style="overflow-x:auto;margin-bottom:0.5rem">'
        '<table style="border-collapse:collapse;font-size:0.9rem;color:#1A1A1A;width:100%">'
        '<caption style="caption-side:top;text-align:left;font-weight:600;font-size:1.05rem;'
        f'padding:0 0 6px;color:#1A1A1A">{text_html(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def team_heat_table(cells: pd.DataFrame, *, title: str, unit: str) -> str:
    """A month × team table as HTML: each cell prints the value, the status icon (and the
    status in words for screen readers) and, for a percentage, the count behind it
    ("78.6% ✔" over "11 of 14"; "few cases: 2 of 3" under 5 cases). Cells are tinted by status
    as well. Team names are row headers and months column headers, all escaped as text.

    ``cells`` has columns ``month``, ``team``, ``value``, ``status`` and ``icon`` (and
    ``numerator``/``denominator`` for counts). Teams run top to bottom in the order given;
    months left to right. A drawn HTML table costs the browser almost nothing where a
    Plotly heatmap cost about a quarter of a second each.
    """
    months = sorted(cells["month"].unique())
    teams = list(dict.fromkeys(cells["team"]))
    grid = cells.drop_duplicates(["team", "month"]).set_index(["team", "month"])
    counts = _has_counts(cells, unit)
    shown: dict[str, str] = {}
    rows = []
    for team in teams:
        row: list[tuple[str, str, str]] = []
        for month in months:
            key, label, counted, icon = "no_data", "–", "", ""
            if (team, month) in grid.index:
                cell = grid.loc[(team, month)]
                key = status_key(cell["status"])
                label = format_value(cell["value"], unit)
                icon = "" if key == "no_data" else str(cell["icon"] or "")
                if counts:
                    counted = count_text(cell["numerator"], cell["denominator"])
            words = STATUS_WORDS[key]
            if icon:
                shown.setdefault(key, icon)
            inner = text_html(label)
            if icon:
                inner += f' <span aria-hidden="true">{text_html(icon)}</span>'
            inner += f'<span style="{_SR_ONLY}">, {text_html(words)}</span>'
            if counted:
                inner += f'<br><span style="font-size:0.8rem">{text_html(counted)}</span>'
            tint = "#F2F2F2" if key == "no_data" else f"{STATUS_COLOURS[key]}40"
            figure = f"{label} ({counted})" if counted else label
            hover = f"{team}, {uk_month(month)}: {figure}, {words}"
            row.append((inner, f"background:{tint}", hover))
        rows.append((team, row))
    key_text = ", ".join(
        f"{text_html(shown[k])} {STATUS_WORDS[k]}" for k in _STATUS_ORDER if k in shown
    )
    note = f"Key: {key_text}; – no data." if key_text else ""
    if counts:
        note += " Under each percentage, the cases behind it."
    # Short month headers ("Apr 2021") keep twelve months on one screen; each cell's title
    # gives the month in full.
    header = ["Team", *[pd.Timestamp(m).strftime("%b %Y") for m in months]]
    return html_table(header, rows, title, note.strip())


def team_table_rows(cells: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The team table's figures as a flat table for CSV: team, month, value, the counts behind
    a percentage and the status in words (aggregates only: no child is in it)."""
    frame = cells.sort_values(["team", "month"])
    out = _flat_figures(frame, unit, "Team", "team")
    out["Status"] = [STATUS_WORDS[status_key(s)] for s in frame["status"]]
    return out


def _flat_figures(frame: pd.DataFrame, unit: str, label: str, column: str) -> pd.DataFrame:
    """One CSV row per figure: its ``label`` (the team or line, from ``column``), month,
    value and, for a percentage, the counts behind it."""
    out = pd.DataFrame(
        {
            label: frame[column].astype(str).to_numpy(),
            "Month": [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]],
            "Value": frame["value"].astype(float).round(3).to_numpy(),
        }
    )
    if _has_counts(frame, unit):
        out["Counted"] = frame["numerator"].to_numpy()
        out["Of"] = frame["denominator"].to_numpy()
    return out


def trend_table(series: pd.DataFrame, *, title: str, unit: str) -> str:
    """The trend chart's table alternative as HTML: one row per month (row header), one column
    per line and the threshold (column headers), each figure with its counts."""
    lines = list(dict.fromkeys(series["line"]))
    months = sorted(series["month"].unique())
    counts = _has_counts(series, unit)
    by = series.drop_duplicates(["line", "month"]).set_index(["line", "month"])
    first = by.loc[lines[0]] if lines else None
    has_threshold = first is not None and "threshold" in first and first["threshold"].notna().any()
    rows = []
    for month in months:
        cells = []
        for line in lines:
            if (line, month) in by.index:
                r = by.loc[(line, month)]
                figure = format_figure(
                    r["value"],
                    unit,
                    r["numerator"] if counts else None,
                    r["denominator"] if counts else None,
                )
            else:
                figure = "–"
            cells.append((text_html(figure), "", ""))
        if has_threshold:
            t = first["threshold"].get(month) if month in first.index else None
            cells.append((text_html(format_value(t, unit) if _finite([t]) else "–"), "", ""))
        rows.append((uk_month(month), cells))
    header = ["Month", *[str(n) for n in lines], *(["Threshold"] if has_threshold else [])]
    return html_table(header, rows, title)


def trend_table_rows(series: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The trend chart's figures as a flat table for CSV: line, month, value, counts, threshold."""
    frame = series.sort_values(["month"], kind="stable")
    out = _flat_figures(frame, unit, "Line", "line")
    if "threshold" in frame:
        out["Threshold"] = frame["threshold"].astype(float).to_numpy()
    return out


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
    ys = [float(v) if _finite([v]) else None for v in values]
    lines = [("Threshold", float(threshold))] if _finite([threshold]) else []
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
