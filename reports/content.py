"""What a board pack says, before it is laid out as PDF pages or slides.

A board reads a pack in ten minutes and opens it on what is red. One ``BoardPack`` holds the
cover facts; the exceptions-first summary (``metrics.summary``, the list the overview, board
mode and ``metrics show`` draw); the measures on track, together in one table; one section
per area with a measure off track, titled with its finding, with the chart of its worst
measure (the same plotly figure the board page shows), the narrative of its exceptions and
their team table; and, shorter and without a chart, one per area whose exceptions are only
at risk ("what we are watching"). So the pack's length follows what is off track, not how
many measures wobble near a target: a council with six measures off track and nine at risk
still gets a pack read in ten minutes. Figure tables, comparisons and keys are the
appendix's. Both layouts read
this, so the PDF and the slides never disagree, and every figure in it comes from
``metrics.api`` through the chosen ``Suppressor``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from charts.palette import FONT
from charts.tables import signal_words
from charts.trend import trend_figure, with_process
from etl.sources.ees.convert import load_mapping
from metrics import actions, api, comparison
from metrics.config import load_config
from metrics.declarations import KPI
from metrics.formatting import format_value, uk_date, uk_month
from metrics.narrative import council_sentence, kpi_sentences, since_due
from metrics.projection import kpi_projection
from metrics.status import ICONS, NO_DATA, OFF_TRACK, ON_TRACK
from metrics.summary import Summary, SummaryLine, summary
from metrics.suppression import SHOW_ALL, Suppressor, for_exports
from reports.images import WIDTH as PICTURE_WIDTH
from reports.meetings import compare_month

ALL = api.ALL
TREND_MONTHS = 24
#: The pack's chart text in pixels of a ``reports.images`` picture: 24 px of a 900 px wide
#: picture printed 13 cm wide (the PDF) or 29 cm wide (a slide) is 9.8 pt or 22 pt.
PACK_CHART_FONT_PX = 24
STATUS_KEY = "   ".join(f"{icon} {status}" for status, icon in ICONS.items())


@dataclass(frozen=True)
class AreaSection:
    """One area's page or slide."""

    area_id: str
    title: str
    #: the area's finding, as the page's heading: "Statutory visits: Visited within
    #: timescale off track since August 2021, and 1 more off track"
    finding: str
    #: the worst measure's trend; None for an area only at risk (its figures are in the
    #: appendix): a chart each for measures near their target doubled the pack
    chart: go.Figure | None
    chart_alt: str
    headlines: list[str]  # the council sentence of each exception (short enough for a slide)
    narrative: list[str]  # every sentence for every exception in the area
    team_table: list[list[str]]  # header row first
    #: the chart's figures as a table (month, the council's figure, status), header first
    figures: list[list[str]] = field(default_factory=list)
    #: what is being done about its measures: commentary and action, one line per entry
    commentary: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BoardPack:
    """Everything a board pack shows, already worded and formatted."""

    council: str
    month: date
    compare: date
    produced: date
    data_loaded: datetime | None
    demo: bool
    suppression_note: str
    state: Summary  # every measure, exceptions first
    comparisons: list[list[str]]  # header row first; only the header when nothing compares
    sections: list[AreaSection]  # areas with a measure off track, each with its chart
    #: each statistical neighbour's figure behind the neighbours' average (header first): a
    #: number, or the DfE's symbol with its meaning, never a blank
    neighbours: list[list[str]] = field(default_factory=list)
    #: the DfE's symbols for a figure not published, with their meanings: (symbol, meaning)
    symbols: list[tuple[str, str]] = field(default_factory=list)
    #: every action open at the month (header first; only the header when none is)
    actions: list[list[str]] = field(default_factory=list)
    #: areas whose exceptions are all at risk, shorter and without a chart
    watching: list[AreaSection] = field(default_factory=list)

    @property
    def watching_heading(self) -> str:
        """``At risk: what we are watching (9 measures in 5 areas)``."""
        measures = sum(1 for x in self.state.exceptions if x.status != OFF_TRACK)
        areas = len(self.watching)
        return (
            f"At risk: what we are watching ({measures} measure{'' if measures == 1 else 's'} "
            f"in {areas} area{'' if areas == 1 else 's'})"
        )

    @property
    def title(self) -> str:
        return f"{self.council}: improvement board pack, {uk_month(self.month)}"

    @property
    def symbol_rows(self) -> list[list[str]]:
        """The DfE's symbols as a table (header first), symbols that mean the same together:
        ``["k, low", "rounds to zero, but is not zero"]``."""
        by_meaning: dict[str, list[str]] = {}
        for symbol, meaning in self.symbols:
            by_meaning.setdefault(meaning, []).append(symbol)
        return [["Symbol", "Meaning"]] + [
            [", ".join(symbols), meaning] for meaning, symbols in by_meaning.items()
        ]

    @property
    def headline(self) -> str:
        """``State of the service: 9 of 36 measures off track, 4 at risk, 23 on track``."""
        return f"State of the service: {self.state.headline}"

    @property
    def exception_rows(self) -> list[list[str]]:
        """The exceptions as a table (header first): measure, status, figure, since when."""
        rows = [["Measure", "Status", f"{uk_month(self.month)}", "Since when", "Area"]]
        return rows + [
            [x.measure, x.status_text, x.value, x.since, x.area_title]
            for x in self.state.exceptions
        ]

    @property
    def on_track_rows(self) -> list[list[str]]:
        """Every other measure together in one table (header first)."""
        rows = [["Measure", f"{uk_month(self.month)}", "Since when", "Area"]]
        return rows + [
            [x.measure, x.value, x.since, x.area_title]
            for x in self.state.with_status(ON_TRACK, NO_DATA)
        ]

    @property
    def on_track_heading(self) -> str:
        """``The 30 measures on track`` (``and 3 with no data`` when some have none)."""
        on, none = self.state.count(ON_TRACK), self.state.count(NO_DATA)
        words = f"The {on} measure{'' if on == 1 else 's'} on track"
        return words + (f" and {none} with {NO_DATA}" if none else "")

    @property
    def cover_lines(self) -> list[str]:
        """The cover's facts: months, when produced and loaded, suppression, demo or not."""
        loaded = uk_date(self.data_loaded) if self.data_loaded else "not known"
        lines = [
            f"Figures as at the end of {uk_month(self.month)}, compared with "
            f"{uk_month(self.compare)}.",
            f"Produced {uk_date(self.produced)}. Data last loaded {loaded}.",
            self.suppression_note,
        ]
        if self.demo:
            lines.append(
                "Demo data for a fictional council (Northmoor). No real children or staff."
            )
        return lines


def _history(month: date, length: int) -> list[date]:
    return [(pd.Timestamp(month) - pd.DateOffset(months=i)).date() for i in range(length)][::-1]


def area_trend_figure(
    db: Path | str,
    kpi_id: str,
    month: object,
    hide: Suppressor = SHOW_ALL,
    height: int = 420,
    font_size: int = FONT["size"],
) -> go.Figure:
    """The council's trend for a KPI over the last two years up to ``month``.

    Drawn against its threshold and target date, with the dotted projection where the KPI has
    a level to reach. Values a suppressor hides are left out of the line.
    """
    k = api.kpi(kpi_id)
    month = pd.Timestamp(month).date()
    values = api.kpi_values(db, [kpi_id], months=_history(month, TREND_MONTHS), teams=[ALL])
    hidden = pd.Series(
        [
            hide.hides(v, k.unit, d)
            for v, d in zip(values["value"], values["denominator"], strict=True)
        ],
        index=values.index,
        dtype=bool,
    )  # typed even when empty: a council that sends no such return still gets its pack
    series = values.assign(line="Whole council", value=values["value"].mask(hidden))
    if not hidden.any():  # a hidden month's place against the limits would hint at it
        series = with_process(series, api.process_chart(db, kpi_id, month))
    projection = kpi_projection(db, kpi_id, month)
    points = None
    if projection is not None and projection.points:
        points = pd.DataFrame(list(projection.points), columns=["month", "value"])
    return trend_figure(
        series,
        title=f"{k.title}: trend",
        unit=k.unit,
        target_date=api.target_date(kpi_id),
        height=height,
        projection=points,
        font_size=font_size,
        bar=api.bar_word(kpi_id),
    )


def team_table(db: Path | str, kpis: list[KPI], month: date, hide: Suppressor) -> list[list[str]]:
    """Teams down, the area's KPIs across; each cell the value and its status icon."""
    values = api.kpi_values(db, [k.id for k in kpis], months=[month])
    values = values[values["team"] != ALL]
    header = ["Team", *[k.short_title for k in kpis]]
    body = []
    for team in sorted(values["team"].unique()):
        cells = [team]
        for k in kpis:
            row = values[(values["team"] == team) & (values["kpi"] == k.id)]
            if row.empty:
                cells.append(ICONS["no data"])
                continue
            value, denominator = row["value"].iloc[0], row["denominator"].iloc[0]
            shown = hide.figure(value, k.unit, row["numerator"].iloc[0], denominator)
            # a hidden figure's status would hint at it, so it goes too
            hidden = hide.hides(value, k.unit, denominator)
            cells.append(shown if hidden else f"{shown} {row['icon'].iloc[0]}")
        body.append(cells)
    return [header, *body]


COMPARISON_HEADER = ["Measure", "Compared with", "Period", "Their figure", "Ours", "We are"]


def comparisons(db: Path | str, month: date, council: str) -> list[list[str]]:
    """How the council compares with England, its region, neighbours and all councils, KPI
    by KPI; the KPIs with none are named in a last row saying "No published comparison".

    The rows come from ``metrics.comparison`` (the same table the area pages show); the
    "Figures" column says whether each benchmark is published or illustrative, and the
    neighbours' row names, in its source, any neighbour left out of the average and why (the
    DfE's symbol and its meaning, e.g. "c — suppressed to protect confidentiality").
    """
    rows = [[*COMPARISON_HEADER, "Figures", "Source"]]
    uncompared = []
    for k in api.all_kpis():
        result = comparison.compare(db, k.id, month)
        if result is None:
            uncompared.append(k.short_title)
            continue
        table = comparison.comparison_table(result, council)
        ours, stands = table.columns[3], table.columns[5]  # named after the council
        for row in table.to_dict("records"):
            picked = ["Compared with", "Period", "Their figure", ours, stands, "Figures", "Source"]
            cells = [k.short_title, *(str(row[c]) for c in picked)]
            if row["Compared with"].startswith("Statistical neighbours") and result.notes:
                cells[-1] += ". " + " ".join(result.notes)
            rows.append(cells)
        if result.rank is not None:
            r = result.rank
            mine = format_value(result.council_value, k.unit)
            place, band = f"ranks {r.place} of {r.of}", f"quartile {r.band}"
            source = "Every council's published figure; A is the best quarter"
            rows.append(
                [k.short_title, "All councils", r.period, place, mine, band, "published", source]
            )
    if uncompared:  # one row, so the page stays one page however many measures there are
        rows.append([", ".join(uncompared), comparison.NO_COMPARISON, "", "", "", "", "", ""])
    return rows


def finding(area_title: str, lines: list[SummaryLine]) -> str:
    """An area's exceptions as its heading, worst named and the rest counted: "Statutory
    visits: Visited within timescale, off track since August 2021; 1 more off track"."""
    worst, rest = lines[0], lines[1:]
    text = f"{area_title}: {worst.short}, {worst.since}"
    if rest:
        statuses = {x.status for x in rest}
        what = statuses.pop() if len(statuses) == 1 else "off track or at risk"
        text += f"; {len(rest)} more {what}"
    return text


def _section(
    db: Path | str, area, lines: list[SummaryLine], month: date, compare: date, hide: Suppressor
) -> AreaSection:
    """An area with exceptions: its ``lines`` (the summary's, worst first) told, and drawn
    when one of them is off track."""
    kpis = [api.kpi(line.kpi) for line in lines]
    lead = kpis[0]
    council = api.kpi_values(db, [k.id for k in kpis], months=[compare, month], teams=[ALL])
    headlines = []
    for k in kpis:
        mine = council[council["kpi"] == k.id].set_index("month")
        if month in mine.index:
            before = mine.loc[compare] if compare in mine.index else None
            history = since_due(db, k, month)
            headlines.append(council_sentence(k, mine.loc[month], before, compare, hide, history))
    narrative = [s for k in kpis for s in kpi_sentences(db, k.id, month, compare, hide)]
    figures, alt = chart_figures(db, lead, month, hide)
    drawn = any(line.status == OFF_TRACK for line in lines)
    chart = (
        _fit_value_labels(
            _fit_title(area_trend_figure(db, lead.id, month, hide, font_size=PACK_CHART_FONT_PX))
        )
        if drawn
        else None
    )
    return AreaSection(
        area_id=area.id,
        title=area.title,
        finding=finding(area.title, lines),
        chart=chart,
        chart_alt=f"{alt} {headlines[0] if headlines else ''}".strip() if drawn else "",
        headlines=headlines,
        narrative=narrative,
        team_table=team_table(db, kpis, month, hide),
        figures=figures,
        commentary=actions.measure_lines(db, month, [k.id for k in kpis]),
    )


def _sections(
    db: Path | str, state: Summary, month: date, compare: date, hide: Suppressor
) -> list[AreaSection]:
    """One section per area with an exception, in area order (those with a chart are the
    areas with a measure off track)."""
    return [
        _section(db, area, mine, month, compare, hide)
        for area in api.areas()
        if (mine := [x for x in state.exceptions if x.area == area.id])
    ]


def _fit_title(fig: go.Figure) -> go.Figure:
    """Shorten a pack chart's title to the measure's name when the whole title would run off
    the picture (DejaVu/Arial average about 0.55 em a character): a clipped title was seen on
    the EDT page ("...the next working day: trend against thresho")."""
    title = fig.layout.title.text or ""
    size = fig.layout.title.font.size or PACK_CHART_FONT_PX
    if len(title) * 0.55 * size > PICTURE_WIDTH - 40:
        fig.update_layout(title_text=title.removesuffix(": trend"))
    return fig


def _fit_value_labels(fig: go.Figure) -> go.Figure:
    """Keep room at the left for the value axis's labels instead of leaving it to Plotly's
    automargin: exporting a batch on a busy machine, kaleido drew a picture before measuring
    its labels and cut "30%" down to "%" (the caseloads chart in the CI run's pack pictures).
    The widest label is at most the range's larger end, with two characters to spare for a
    decimal point and digit."""
    axis = fig.layout.yaxis
    low, high = axis.range or (0, 100)
    chars = max(len(f"{v:,.0f}") for v in (low, high)) + len(axis.ticksuffix or "") + 2
    size = (axis.tickfont.size if axis.tickfont else None) or PACK_CHART_FONT_PX
    fig.update_layout(margin_l=round(10 + chars * 0.55 * size))
    return fig


def chart_figures(
    db: Path | str, k: KPI, month: date, hide: Suppressor
) -> tuple[list[list[str]], str]:
    """The area chart's figures as a table (month, the council's figure with its counts,
    status, the process mean with its limits and the month's signal; header first) and the
    start of its alt text: what the chart is of, the period, the threshold and the lowest and
    highest points, in words."""
    months = _history(month, TREND_MONTHS)
    values = api.kpi_values(db, [k.id], months=months, teams=[ALL]).sort_values("month")
    process = with_process(values.assign(line="council"), api.process_chart(db, k.id, month))
    rows = [["Month", f"{k.title} (whole council)", "Status", "Mean (limits)", "Signal"]]
    shown = []
    for r, p in zip(values.to_dict("records"), process.to_dict("records"), strict=True):
        hidden = hide.hides(r["value"], k.unit, r["denominator"])
        figure = hide.figure(r["value"], k.unit, r["numerator"], r["denominator"])
        band = (
            f"{format_value(p['mean'], k.unit)} ({format_value(p['lower_limit'], k.unit)} to "
            f"{format_value(p['upper_limit'], k.unit)})"
            if not hidden and not pd.isna(p["mean"])
            else ""
        )
        said = "" if hidden or pd.isna(r["value"]) else signal_words(p["special_cause"], p["mean"])
        status = "" if hidden else f"{r['icon']} {r['status']}"
        rows.append([uk_month(r["month"]), figure, status, band, said])
        if not hidden and not pd.isna(r["value"]):
            shown.append((float(r["value"]), r["month"]))
    start = uk_month(values["month"].min()) if len(values) else uk_month(months[0])
    rule = api.threshold(k.id)
    against = "against its threshold" if rule is not None else "with no threshold set"
    # "qualified social workers...", but "ASYE social workers..." keeps its capitals
    title = k.title[0].lower() + k.title[1:] if k.title[1:2].islower() else k.title
    period = f"{start} to {uk_month(month)}" if start != uk_month(month) else start
    words = f"Line chart of {title} for the whole council, {period}, {against}."
    if len(shown) > 1:
        low, high = min(shown), max(shown)
        words += (
            f" Lowest {format_value(low[0], k.unit)} ({uk_month(low[1])}), highest "
            f"{format_value(high[0], k.unit)} ({uk_month(high[1])})."
        )
    return rows, words


def board_pack(
    db: Path | str,
    month: object,
    *,
    compare: object | None = None,
    hide: Suppressor | None = None,
    produced: date | None = None,
) -> BoardPack:
    """The pack's content as at ``month`` (default comparison: the last board meeting's month).

    ``hide`` defaults to the council's rule for exports (``suppression`` in council.yaml).
    """
    month = pd.Timestamp(month).date()
    if month not in api.months(db):
        raise ValueError(f"no data is loaded for {uk_month(month)}")
    chosen = pd.Timestamp(compare).date() if compare is not None else compare_month(db, month)
    chosen = chosen or month
    hide = hide or for_exports()
    state = summary(db, month, hide=hide)
    sections = _sections(db, state, month, chosen, hide)
    return BoardPack(
        council=load_config().council_name,
        month=month,
        compare=chosen,
        produced=produced or date.today(),
        data_loaded=api.last_loaded(db),
        demo=api.store_kind(db) == "demo",
        suppression_note=hide.note(),
        state=state,
        comparisons=comparisons(db, month, load_config().council_name),
        sections=[s for s in sections if s.chart is not None],
        watching=[s for s in sections if s.chart is None],
        neighbours=neighbour_figures(db, month),
        symbols=list(load_mapping().symbols.items()),
        actions=actions.actions_table(db, month),
    )


def neighbour_figures(db: Path | str, month: date) -> list[list[str]]:
    """Each statistical neighbour's own figure in the year its average is of, KPI by KPI: the
    number, or the DfE's symbol and its meaning ("c — suppressed to protect
    confidentiality"), or why there is none; never a blank."""
    rows = [["Measure", "Neighbour", "Their figure"]]
    for k in api.all_kpis():
        result = comparison.compare(db, k.id, month)
        if result is None:
            continue
        for r in comparison.neighbour_table(result).to_dict("records"):
            rows.append([k.short_title, str(r["Neighbour"]), str(r["Their figure"]) or "none"])
    return rows
