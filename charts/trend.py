"""The trend figure: a KPI's lines over months against its threshold, as a plotly figure.

Plain plotly, so the area page shows it and the board pack exports the very same figure.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from charts.palette import (
    AXIS_TEXT_COLOUR,
    BENCHMARK_STYLES,
    COUNCIL_COLOUR,
    FONT,
    PROCESS_BAND_COLOUR,
    PROCESS_MEAN_COLOUR,
    SIGNAL_STYLES,
    TARGET_COLOUR,
    TEAM_COLOUR,
    THRESHOLD_COLOUR,
)
from charts.scale import finite_values, value_range
from metrics.formatting import format_figure, format_value, uk_date, uk_month

#: Months of projection drawn beyond the chosen period (the sentence says the rest).
PROJECTION_MONTHS = 6
#: The columns a series carries (on its first line's rows) for the process to be drawn
PROCESS_COLUMNS = ("mean", "lower_limit", "upper_limit", "special_cause", "segment")


def with_process(series: pd.DataFrame, chart: pd.DataFrame) -> pd.DataFrame:
    """``series`` with the whole council's process (``metrics.api.process_chart``: mean,
    limits, special cause, baseline segment) on its first line's rows, month by month, for
    the chart's band and its table's columns."""
    out = series.reset_index(drop=True).copy()
    council = chart[chart["team"] == "ALL"]
    when = {pd.Timestamp(m).to_period("M"): i for i, m in enumerate(council["month"])}
    at = [when.get(pd.Timestamp(m).to_period("M")) for m in out["month"]]
    first = (out["line"] == out["line"].iloc[0]).to_numpy() if len(out) else []
    for column in PROCESS_COLUMNS:
        values = council[column].to_numpy()
        out[column] = [
            values[i] if i is not None and mine else None for i, mine in zip(at, first, strict=True)
        ]
    return out


def _process_traces(
    rows: pd.DataFrame, unit: str
) -> tuple[list[go.Scatter], list[go.Scatter], list[pd.Timestamp]]:
    """The first line's process: its limits as a band and its mean (drawn behind the lines),
    its special-cause months marked (drawn over them) and the months a new baseline starts.

    Each baseline (segment) is its own band and mean, with a gap between them, so a rebase
    shows as a break. The band stops at 0 (and a percentage's at 100%), the values a
    measure can take (``metrics.spc.possible``).
    """
    rows = rows[rows["mean"].notna()].sort_values("month")
    behind: list[go.Scatter] = []
    if rows.empty:
        return behind, [], []
    xs, means, breaks = [], [], []
    low_cap, high_cap = 0.0, (100.0 if unit == "percent" else None)
    for i, (_, part) in enumerate(rows.groupby("segment", sort=True)):
        months = list(part["month"])
        upper = part["upper_limit"].astype(float).clip(upper=high_cap)
        lower = part["lower_limit"].astype(float).clip(lower=low_cap)
        if i:
            breaks.append(pd.Timestamp(months[0]))
            xs.append(None)
            means.append(None)
        xs += months
        means += list(part["mean"].astype(float))
        behind.append(
            go.Scatter(
                x=[*months, *months[::-1]],
                y=[*upper, *lower[::-1]],
                fill="toself",
                fillcolor=PROCESS_BAND_COLOUR,
                line={"width": 0, "color": PROCESS_BAND_COLOUR},
                mode="lines",
                name="Process limits (common-cause range)",
                showlegend=i == 0,
                legendgroup="limits",
                hoverinfo="skip",
            )
        )
    behind.append(
        go.Scatter(
            x=xs,
            y=means,
            name="Process mean",
            mode="lines",
            line={"color": PROCESS_MEAN_COLOUR, "width": 1.5, "dash": "solid"},
            customdata=[format_value(v, unit) if v is not None else "" for v in means],
            hovertemplate="Process mean %{customdata}<extra></extra>",
            connectgaps=False,
        )
    )
    on_top = []
    for cause, (colour, symbol, words) in SIGNAL_STYLES.items():
        marked = rows[rows["special_cause"] == cause]
        if len(marked):
            on_top.append(
                go.Scatter(
                    x=list(marked["month"]),
                    y=list(marked["value"]),
                    name=words,
                    mode="markers",
                    marker={"symbol": symbol, "size": 17, "color": colour, "line": {"width": 3}},
                    customdata=[uk_month(m) for m in marked["month"]],
                    hovertemplate="%{customdata}: " + words + "<extra></extra>",
                )
            )
    return behind, on_top, breaks


def _value_axis(
    fig: go.Figure, unit: str, data: Sequence[object], lines: Sequence[tuple[str, float]]
) -> None:
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
    bar: str = "Target",
) -> go.Figure:
    """Lines over months against the threshold, with the target date marked.

    ``bar`` names the threshold in the legend and on hover: "Target" for a level a measure
    must reach, "Limit" for a cap (``metrics.api.bar_word``), one word for it everywhere.

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

    When the first line's rows carry ``PROCESS_COLUMNS`` (``metrics.api.process_chart``),
    its Making Data Count process is drawn too: the natural process limits as a grey band,
    the mean as a grey line, special-cause months ringed (improving) or boxed (concerning),
    and a new baseline (a rebase) as a break with a dotted line and a note.
    """
    fig = go.Figure()
    lines = list(dict.fromkeys(series["line"]))
    on_top: list[go.Scatter] = []
    if lines and set(PROCESS_COLUMNS) <= set(series.columns):
        behind, on_top, breaks = _process_traces(series[series["line"] == lines[0]], unit)
        for trace in behind:
            fig.add_trace(trace)
        for when in breaks:
            fig.add_vline(x=when, line={"color": PROCESS_MEAN_COLOUR, "dash": "dot", "width": 2})
            fig.add_annotation(
                x=when,
                y=0,
                yref="paper",
                text=f"New baseline from {uk_month(when)}",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                bgcolor="rgba(255,255,255,0.85)",
                font={"color": PROCESS_MEAN_COLOUR, "size": font_size},
            )
    styles = [
        {"color": COUNCIL_COLOUR, "width": 3, "dash": "solid"},
        {"color": TEAM_COLOUR, "width": 3, "dash": "dash"},
    ]
    symbols = ["circle", "diamond"]
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
    for trace in on_top:
        fig.add_trace(trace)
    data = list(series["value"])
    if lines and set(PROCESS_COLUMNS) <= set(series.columns):
        # The mean is fitted on the axis; the limits are not, so the line still fills the
        # chart (a band wider than the line runs off its edges: its figures are in the table
        # and the words).
        mean = series.loc[series["line"] == lines[0], "mean"]
        data += list(pd.to_numeric(mean, errors="coerce"))
    references: list[tuple[str, float]] = []
    if lines and "threshold" in series:
        first = series[series["line"] == lines[0]].sort_values("month")
        references += [(bar, v) for v in finite_values(first["threshold"].unique())]
        if first["threshold"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=first["month"],
                    y=first["threshold"],
                    name=bar,
                    mode="lines",
                    line={"color": THRESHOLD_COLOUR, "width": 2, "dash": "dot", "shape": "hv"},
                    customdata=[format_value(v, unit) for v in first["threshold"]],
                    hovertemplate=bar + " %{customdata}<extra></extra>",
                )
            )
    if benchmarks is not None and len(benchmarks) and len(series):
        first, last = min(series["month"]), max(series["month"])
        for name, rows in benchmarks.groupby("line", sort=False):
            trace = _benchmark_trace(str(name), rows, unit, first, last)
            if trace is not None:
                fig.add_trace(trace)
                shown = [y for y in trace.y if y is not None]
                references += [(trace.name, v) for v in finite_values(shown[-1:])]
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
    """A sustained change carried forward from the latest value (``month``, ``value``)."""
    return go.Scatter(
        x=projection["month"],
        y=projection["value"],
        name="Projection (the sustained change carried on)",
        mode="lines",
        line={"color": COUNCIL_COLOUR, "width": 2, "dash": "dot"},
        customdata=[
            [uk_month(m), format_value(v, unit)]
            for m, v in zip(projection["month"], projection["value"], strict=True)
        ],
        hovertemplate="Projection %{customdata[0]}: %{customdata[1]}<extra></extra>",
    )
