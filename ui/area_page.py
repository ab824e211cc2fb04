"""The one renderer behind every area page (caseloads, visits, ICPC, supervision).

An area page opens on a status strip naming every measure of the area with its status, worst
first (the summary's lines, ``metrics.summary``), so a measure off track further down the
page is seen at once. Then it is drawn entirely from the KPI declarations: each KPI gets its
figure for the chosen month, team and plan type, a trend against its target or limit and target
date, a month × team table, a "how this is calculated" panel and the rows behind it.
Adding a KPI to ``metrics/kpis/`` adds it to its area page with no page edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from charts.export import to_csv_bytes
from charts.sparkline import sparkline_svg
from charts.static import figure_img
from charts.tables import team_heat_table, team_table_rows, trend_table, trend_table_rows
from charts.trend import trend_figure, with_process
from etl.read.reader import safe_name
from etl.returns import get_return
from etl.write.audit import audited
from metrics import actions, api, comparison
from metrics.config import load_config
from metrics.formatting import count_text, format_value, uk_month
from metrics.summary import summary
from ui.auth import who
from ui.commentary import commentary_downloads, commentary_editor, commentary_panel
from ui.layout import (
    change_text,
    plain,
    process_html,
    status_badge,
    status_badge_html,
    status_words,
)
from ui.rows_table import rows_table
from ui.state import as_at_month, current_db, month_key

ALL = "ALL"
#: Plotly's toolbar hidden: its buttons were 96 of the Caseloads page's 131 tab stops, and
#: zooming a 12-month line helps nobody (hover still gives every month's figure).
PLOTLY_CONFIG = {"displayModeBar": False}
#: How many KPIs at the top of an area page have their trend chart and team table drawn
#: open; the rest are one click away, with a sparkline meanwhile.
OPEN_DETAILS = 1
#: The static trend chart's width in SVG pixels: the trend column's width at 1366 × 768
#: (613 px measured), so its text is about the Plotly chart's 15 px on a laptop and larger,
#: up to 1.3 times, on a wider screen.
STATIC_CHART_WIDTH = 640
PERIODS = {"Last 6 months": 6, "Last 12 months": 12, "Last 24 months": 24, "All months": None}
PLAN_TYPE_LABELS = {
    ALL: "All plan types",
    "CIN": "Child in need (CIN)",
    "CP": "Child protection (CP)",
    "CLA": "Children looked after (CLA)",
}


@dataclass(frozen=True)
class AreaFilters:
    """What the user chose above the charts: one team (or the council), plan type, months."""

    team: str
    plan_type: str
    months: list[date]

    @property
    def team_label(self) -> str:
        return "Whole council" if self.team == ALL else self.team


def _period_months(db: Path, month: date, length: int | None) -> list[date]:
    loaded = sorted({date.fromisoformat(month_key(m)) for m in api.months(db)})
    upto = [m for m in loaded if m <= month]
    return upto if length is None else upto[-length:]


def area_filters(db: Path, area_id: str, month: date, splits_by_plan: bool) -> AreaFilters:
    """The team, plan type and period filters for an area page, kept per area in the session."""
    left, middle, right = st.columns(3)
    team = left.selectbox(
        "Team",
        [ALL, *api.teams(db)],
        format_func=lambda t: "Whole council" if t == ALL else t,
        key=f"{area_id}:team",
    )
    if splits_by_plan:
        codes = get_return("visits").column("plan_type").codes
        plan_type = middle.selectbox(
            "Plan type",
            [ALL, *codes],
            format_func=lambda c: PLAN_TYPE_LABELS.get(c, c),
            key=f"{area_id}:plan_type",
        )
    else:
        plan_type = ALL
    period = right.selectbox("Period", list(PERIODS), index=1, key=f"{area_id}:period")
    return AreaFilters(team, plan_type, _period_months(db, month, PERIODS[period]))


def _point(values: pd.DataFrame, team: str, month: date) -> pd.Series | None:
    rows = values[(values["team"] == team) & (values["month_key"] == month_key(month))]
    return rows.iloc[0] if len(rows) else None


def trend_summary(series: pd.DataFrame, unit: str, month: date) -> str:
    """A one-line text alternative to the trend chart."""
    parts = []
    for name, rows in series.groupby("line", sort=False):
        latest = rows[rows["month_key"] == month_key(month)]
        if len(latest):
            parts.append(f"{name}: {format_value(latest['value'].iloc[0], unit)}")
    threshold = series["threshold"].dropna()
    text = f"{uk_month(month)} — " + "; ".join(parts) if parts else "No data for this month"
    if len(threshold):
        text += f"; target or limit {format_value(threshold.iloc[-1], unit)}"
    return text + "."


def team_summary(cells: pd.DataFrame, unit: str, month: date) -> str:
    """A one-line text alternative to the team table: the best and worst team this month."""
    latest = cells[(cells["month_key"] == month_key(month)) & cells["value"].notna()]
    if latest.empty:
        return f"No team figures for {uk_month(month)}."
    ordered = latest.sort_values("value")
    low, high = ordered.iloc[0], ordered.iloc[-1]
    return (
        f"{uk_month(month)}: highest {high['team']} {format_value(high['value'], unit)}, "
        f"lowest {low['team']} {format_value(low['value'], unit)}."
    )


def trend_chart(figure, *, key: str, summary: str, width: int = STATIC_CHART_WIDTH) -> None:
    """A trend chart drawn as static SVG (``charts.static``), or by Plotly on request.

    A new visitor's first Plotly chart costs about 1.5 s in the browser (fetching and
    compiling plotly.js), more than the rest of the page; most people read the trend and
    move on, and every month's figure is in "Table of this chart". So the page draws the
    same figure as a picture, and the toggle swaps in Plotly for hovering month by month.
    """
    if st.toggle(
        "Interactive chart",
        key=f"interactive:{key}",
        help="Draws the chart with hover for each month's figure (slower to appear).",
    ):
        st.plotly_chart(figure, key=key, alt=summary, config=PLOTLY_CONFIG)
    else:
        st.html(figure_img(figure, width=width, label=summary))


def _kpi_section(db: Path, kpi, filters: AreaFilters, month: date, first: bool = True) -> None:
    """One KPI: its tile, then its trend chart and team table (drawn open for the page's
    first KPI; for the others one click away, with a static sparkline meanwhile, so a long
    page such as Caseloads opens as a summary and draws one Plotly chart, not six)."""
    plan_type = filters.plan_type if "plan_type" in kpi.breakdowns else ALL
    values = api.kpi_values(db, [kpi.id], months=filters.months, plan_type=plan_type)
    values = values.assign(month_key=values["month"].map(month_key))
    st.subheader(kpi.title, divider="gray")
    st.caption(kpi.description)
    if plan_type == ALL and filters.plan_type != ALL:
        st.caption("This measure is not split by plan type; it covers all children.")

    point = _point(values, filters.team, month)
    previous = filters.months[-2] if len(filters.months) > 1 else None
    before = _point(values, filters.team, previous) if previous else None
    value = point["value"] if point is not None else float("nan")
    tile, trend = st.columns([1, 3], vertical_alignment="top")
    with tile:
        st.metric(
            f"{kpi.short_title} — {filters.team_label}",
            format_value(value, kpi.unit),
            delta=change_text(value, before["value"], kpi.unit, previous)
            if before is not None
            else None,
            delta_color="off",
            delta_arrow="off",  # the words say which way; the arrow followed the sign only
        )
        counts = count_text(point["numerator"], point["denominator"]) if point is not None else ""
        if counts and kpi.unit == "percent":
            st.markdown(f"({counts})")
        status = point["status"] if point is not None else None
        icon = point["icon"] if point is not None else ""
        reason = point["reason"] if point is not None else "No data for this month."
        status_badge(status, icon, reason)
        st.caption(f"{uk_month(month)}. Status: {status_words(status)}.")
        reading = api.process(db, kpi.id, month, filters.team)
        st.markdown(process_html(reading), unsafe_allow_html=True)
        team = "" if filters.team == ALL else filters.team
        commentary_panel(db, kpi, team, month, actions.month_actions(db, month))

    lines = [("Whole council", ALL)]
    if filters.team != ALL:
        lines.append((filters.team, filters.team))
    series = pd.concat(
        [values[values["team"] == team].assign(line=label) for label, team in lines],
        ignore_index=True,
    )
    series = with_process(series, api.process_chart(db, kpi.id, month, [ALL], plan_type=plan_type))
    bench = comparison.benchmarks(db, kpi.id)
    with trend:
        summary = trend_summary(series, kpi.unit, month)
        detail = st.expander(
            "Trend chart and figures by team",
            expanded=first,
            icon=":material/show_chart:",
            key=f"detail:{kpi.id}",
            on_change="rerun",
        )
        if detail.open:
            with detail:
                figure = trend_figure(
                    series,
                    title=f"{kpi.short_title}: trend",
                    unit=kpi.unit,
                    target_date=api.target_date(kpi.id),
                    benchmarks=bench.series,
                    bar=api.bar_word(kpi.id),
                )
                trend_chart(figure, key=f"trend:{kpi.id}", summary=summary)
                st.caption(summary)
                _team_table(db, kpi, values, filters, month)
        else:
            council = series[series["line"] == "Whole council"].sort_values("month")
            st.html(
                sparkline_svg(
                    list(council["month"]),
                    list(council["value"]),
                    unit=kpi.unit,
                    status=point["status"] if point is not None else None,
                    threshold=council["threshold"].dropna().iloc[-1]
                    if "threshold" in council and council["threshold"].notna().any()
                    else None,
                    label=f"Trend of {kpi.short_title}, whole council. {summary}",
                )
            )
            st.caption(summary)
        trend_table_panel(db, kpi, series, filters)
        comparison_panel(db, kpi.id, month, bench)
    commentary_editor(db, kpi, "" if filters.team == ALL else filters.team, month)

    with st.expander("How this is calculated", icon=":material/calculate:"):
        st.markdown(api.how_calculated(kpi.id))
        st.markdown(api.how_signal_is_read(kpi.id))
    rows_table(
        db,
        kpi.id,
        month,
        team=None if filters.team == ALL else filters.team,
        plan_type=None if plan_type == ALL else plan_type,
        title=kpi.title,
    )


def _team_table(db: Path, kpi, values: pd.DataFrame, filters: AreaFilters, month: date) -> None:
    """The month × team table (HTML, with counts) and its CSV."""
    cells = values[values["team"] != ALL]
    if cells.empty:
        return
    title = f"{kpi.short_title} by team and month"
    st.html(team_heat_table(cells, title=title, unit=kpi.unit))
    st.caption(team_summary(cells, kpi.unit, month))
    csv_download(
        db,
        team_table_rows(cells, kpi.unit),
        f"{kpi.id}_by_team_{month_key(filters.months[0])[:7]}_{month_key(month)[:7]}",
        key=f"teams-csv:{kpi.id}",
        what=title,
    )


def csv_download(db: Path, frame: pd.DataFrame, stem: str, *, key: str, what: str) -> None:
    """A CSV download of a chart's figures for every role: aggregates only (no child is in
    them), formula-guarded by ``charts.export`` and written to the audit trail as an export."""
    file_name = safe_name(f"{stem}.csv")
    st.download_button(
        "Download this table (CSV)",
        audited(
            db,
            who() or "",
            "export",
            f"{file_name} ({len(frame):,} rows, aggregates)",
            lambda: to_csv_bytes(frame),
        ),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
        help=f"The figures in {what}, as a CSV file.",
    )


def trend_table_panel(db: Path, kpi, series: pd.DataFrame, filters: AreaFilters) -> None:
    """The trend chart as a table (months as rows, each line as a column) with its CSV,
    one click away: drawn only when the panel is opened."""
    panel = st.expander(
        "Table of this chart",
        icon=":material/table_chart:",
        key=f"trend-table:{kpi.id}",
        on_change="rerun",
    )
    if not panel.open:
        return
    with panel:
        title = f"{kpi.short_title}: figures by month"
        st.html(trend_table(series, title=title, unit=kpi.unit))
        csv_download(
            db,
            trend_table_rows(series, kpi.unit),
            f"{kpi.id}_trend_{month_key(filters.months[0])[:7]}_{month_key(filters.months[-1])[:7]}",
            key=f"trend-csv:{kpi.id}",
            what=title,
        )


def comparison_panel(db: Path, kpi_id: str, month: date, bench: comparison.Benchmarks) -> None:
    """The whole council's figure against the latest published England, region, neighbours
    and all councils; each neighbour's own figure (or the DfE's symbol and its meaning)."""
    if bench.empty:
        st.caption(f"{comparison.NO_COMPARISON}: the DfE publishes no figure for this measure.")
        return
    result = comparison.compare(db, kpi_id, month)
    if result is None:
        st.caption(f"{comparison.NO_COMPARISON} covers {uk_month(month)} yet.")
        return
    config = load_config()
    name = config.council_name
    st.markdown(f"**How the whole council compares** ({uk_month(month)})")
    st.table(comparison.comparison_table(result, name).drop(columns="Source"), hide_index=True)
    notes = [result.rank_sentence(name), *result.notes]
    notes.append(
        "Published figures are annual (drawn as one point a year, in the month the year "
        "ends; a year with no figure has no point); the "
        f"statistical-neighbour figure is the {config.neighbour_average} of the neighbours "
        "with a figure for that year."
    )
    if result.illustrative:
        notes.append("Figures marked illustrative are made up for the demo, not published.")
    st.caption(" ".join(n for n in notes if n))
    neighbours = comparison.neighbour_table(result)
    if len(neighbours):
        with st.expander("Each statistical neighbour's figure", icon=":material/groups:"):
            st.table(neighbours, hide_index=True)


def status_strip(db: Path, area_id: str, month: date) -> None:
    """Every measure of the area with its status in words and its figure, worst first, for
    the whole council in the "as at" month."""
    lines = [x for x in summary(db, month).lines if x.area == area_id]
    if not lines:
        return
    items = "".join(
        f"<li>{status_badge_html(x.status, x.icon)} {plain(x.short)}: {plain(x.value)}, "
        f"{plain(x.since)}</li>"
        for x in lines
    )
    st.markdown(
        f'<ul class="csc-strip" aria-label="Status of every measure, {uk_month(month)}" '
        f'style="list-style:none;padding:0;margin:0 0 0.5rem">{items}</ul>',
        unsafe_allow_html=True,
    )


def render_area(area_id: str) -> None:
    """Draw an area page: its filters, then one section per KPI declared for the area."""
    db = current_db()
    month = as_at_month()
    area = next(a for a in api.areas() if a.id == area_id)
    st.title(area.title)
    if month is None:
        st.info("No returns are loaded yet, so there is nothing to show.")
        return
    kpis = [api.kpi(k) if isinstance(k, str) else k for k in area.kpis]
    status_strip(db, area_id, month)
    filters = area_filters(db, area_id, month, any("plan_type" in k.breakdowns for k in kpis))
    for index, kpi in enumerate(kpis):
        _kpi_section(db, kpi, filters, month, first=index < OPEN_DETAILS)
    commentary_downloads(db, month, actions.month_actions(db, month))
