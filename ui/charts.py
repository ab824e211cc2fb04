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

from metrics.formatting import format_value, uk_date, uk_month

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


def _axis(unit: str) -> dict:
    """Y axis settings: percentages run 0–100 with a % suffix, counts start at zero."""
    if unit == "percent":
        return {"range": [0, 105], "ticksuffix": "%", "rangemode": "tozero"}
    return {"rangemode": "tozero"}


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        hoverlabel={"font_size": 15},
    )
    fig.update_xaxes(
        showgrid=False, tickformat="%b %Y", linecolor="#BBBBBB", tickfont_color=AXIS_TEXT_COLOUR
    )
    fig.update_yaxes(gridcolor="#E5E5E5", zeroline=False, tickfont_color=AXIS_TEXT_COLOUR)
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
                    [uk_month(m), format_value(v, unit)]
                    for m, v in zip(rows["month"], rows["value"], strict=True)
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + str(name) + "</extra>",
                connectgaps=False,
            )
        )
    if lines and "threshold" in series:
        first = series[series["line"] == lines[0]].sort_values("month")
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
    if projection is not None and len(projection):
        fig.add_trace(_projection_trace(projection, unit))
    if target_date is not None:
        fig.add_vline(x=pd.Timestamp(target_date), line={"color": TARGET_COLOUR, "dash": "dash"})
        fig.add_annotation(
            x=pd.Timestamp(target_date),
            y=1,
            yref="paper",
            text=f"Target date {uk_date(target_date)}",
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"color": TARGET_COLOUR, "size": 13},
        )
    _base_layout(fig, title, height)
    fig.update_yaxes(**_axis(unit))
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
) -> go.Figure:
    """A small axis-free line of recent months, the latest point marked in its status colour."""
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
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig
