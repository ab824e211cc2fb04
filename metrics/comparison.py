"""How the council compares: England, its region, its statistical neighbours, all councils.

The first question a director or a board asks of a figure is "how do we compare?". The
published figures are annual (the CIN census year to 31 March, the workforce census at
30 September) and live in the ``benchmarks`` reference return; the council's own figures are
monthly. This module reads the first, sets them beside the second and says in words where
the council stands:

* England and the council's region, as published;
* its statistical neighbours (``config/council.yaml``, set from the DfE's table by
  ``python -m etl import-neighbours``), averaged as the council chooses (``neighbour_average``:
  mean as LAIT shows it, median as the DfE's CSC National Framework dashboard does). A
  neighbour with no figure for a year is named with the reason: the DfE's symbol and its
  meaning (``c — suppressed to protect confidentiality``), or that the council has published
  nothing since a given year (abolished or reorganised). The average is never of fewer
  neighbours in silence;
* its rank among all councils' published figures for the year, best first, and its quartile
  band A (best quarter) to D, polarity-aware, as LAIT bands them.

No Streamlit here: area pages, the overview, the board pack and ``metrics show`` all ask
these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.sources.ees.convert import load_mapping
from metrics import snapshot
from metrics.api import ALL, kpi, kpi_values
from metrics.config import CouncilConfig, load_config
from metrics.formatting import format_change, format_value, is_missing, rounded, uk_month

ENGLAND, REGION, NEIGHBOURS = "ENGLAND", "REGION", "NEIGHBOURS"
SERIES_COLUMNS = [
    "line",
    "area_type",
    "period",
    "period_start",
    "period_end",
    "value",
    "illustrative",
    "source",
    "used",
]
ILLUSTRATIVE = "illustrative"
#: What pages, tiles, the pack and the CLI say for a KPI the DfE publishes no figure for.
NO_COMPARISON = "No published comparison"
#: Quartile bands, best quarter first (LAIT's A to D).
BANDS = "ABCD"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _period_start(end: date) -> date:
    """The first day of the year that ends on ``end`` (a census date ends a year too)."""
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(end.year - 1, 3, 1)


def symbol_words(symbol: str) -> str:
    """``c — suppressed to protect confidentiality``: a DfE symbol with the DfE's meaning."""
    return load_mapping().meaning(symbol)


def published(db: Path | str, kpi_id: str) -> pd.DataFrame:
    """Every stored benchmark row for one KPI (empty when none are loaded), oldest first."""
    columns = set(
        snapshot.read(
            db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'benchmarks'"
        )["column_name"]
    )
    if not columns:
        return pd.DataFrame(columns=["indicator", "period", "period_end", "area_type"])
    # A store made before these columns were declared reads them as blank.
    extra = ", ".join(
        f"coalesce({c}, '') AS {c}" if c in columns else f"'' AS {c}"
        for c in ("old_la_code", "symbol")
    )
    frame = snapshot.read(
        db,
        "SELECT indicator, period, period_end, area_type, area_code, area_name, value, "
        f"lower(unit) AS unit, source, illustrative, {extra} FROM benchmarks "
        "WHERE indicator = ? ORDER BY period_end, area_type, area_code",
        [kpi_id],
    )
    if len(frame):
        frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
        frame = frame[frame["unit"] == kpi(kpi_id).unit]  # another unit is not comparable
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class NeighbourSetting:
    """One statistical neighbour from the config, matched on its DfE LA number when it has
    one (it outlives ONS code changes), else on its ONS code."""

    name: str
    la_code: str = ""
    la_code_new: str = ""

    def rows(self, la_rows: pd.DataFrame) -> pd.DataFrame:
        if self.la_code:
            return la_rows[la_rows["old_la_code"] == self.la_code]
        return la_rows[la_rows["area_code"] == self.la_code_new]


def _neighbours(config: CouncilConfig) -> list[NeighbourSetting]:
    """The configured neighbours, leaving out the council itself and entries with no code."""
    own = {c for c in (config.la_code, config.la_code_new) if c}
    out = []
    for n in config.statistical_neighbours:
        la_code, new = str(n.get("la_code") or ""), str(n.get("la_code_new") or "")
        if (la_code or new) and not {la_code, new} & own:
            out.append(NeighbourSetting(str(n.get("name") or la_code or new), la_code, new))
    return out


@dataclass(frozen=True)
class Benchmarks:
    """The benchmark lines for one KPI, and the notes a reader needs to trust them."""

    series: pd.DataFrame  # SERIES_COLUMNS, one row per line × period
    #: period, name, value, figure (words: the value, or the symbol and its meaning, or why
    #: there is none), one row per configured neighbour × published period
    neighbour_values: pd.DataFrame
    #: every council's published (not illustrative) figure: period, area_code, old_la_code,
    #: value; for the rank among all councils
    councils: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.series.empty


def _absence(rows: pd.DataFrame, end: date, unit: str) -> tuple[float | None, str]:
    """A neighbour's figure for the year ending ``end``, or the reason it has none."""
    this = rows[rows["period_end"] == end]
    if len(this) and not is_missing(this["value"].iloc[0]):
        value = float(this["value"].iloc[0])
        return value, format_value(value, unit)
    if len(this) and this["symbol"].iloc[0]:
        return None, symbol_words(this["symbol"].iloc[0])
    earlier = rows[(rows["period_end"] < end) & rows["value"].notna()]
    if len(this) == 0 and len(earlier) and not (rows["period_end"] > end).any():
        last = earlier.sort_values("period_end")["period"].iloc[-1]
        return None, f"none published after {last} (council reorganised or abolished)"
    return None, "no figure published"


def _neighbour_line(
    la_rows: pd.DataFrame, neighbours: list[NeighbourSetting], config: CouncilConfig, unit: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The neighbours' average per published period, each neighbour's figure, and notes
    naming every neighbour left out of a year's average and why."""
    average = config.neighbour_average
    points, figures, notes = [], [], []
    own = {n.name: n.rows(la_rows) for n in neighbours}
    for (period, end), _ in la_rows.groupby(["period", "period_end"], sort=True):
        have, absent = [], []
        for name, rows in own.items():
            value, words = _absence(rows, end, unit)
            figures.append({"period": period, "name": name, "value": value, "figure": words})
            if value is None:
                absent.append(f"{name} ({words})")
            else:
                have.append((value, rows[rows["period_end"] == end].iloc[0]))
        if not have:
            notes.append(f"{period}: no statistical neighbour has a figure, so there is none.")
            continue
        if absent:
            notes.append(
                f"{period}: no figure for {', '.join(absent)}, so the neighbour {average} is "
                f"of {len(have)} not {len(own)}."
            )
        values = pd.Series([v for v, _ in have])
        points.append(
            {
                "period": period,
                "period_end": end,
                "value": float(values.median() if average == "median" else values.mean()),
                "illustrative": any(bool(r["illustrative"]) for _, r in have),
                "source": f"{average.capitalize()} of {len(have)} statistical neighbours: "
                f"{have[0][1]['source']}",
                "used": len(have),
            }
        )
    line = pd.DataFrame(points)
    figures_frame = pd.DataFrame(figures, columns=["period", "name", "value", "figure"])
    if line.empty:
        return line, figures_frame, notes
    low, high = int(line["used"].min()), int(line["used"].max())
    count = str(high) if low == high else f"{low}–{high}"
    return line.assign(line=f"Statistical neighbours ({average} of {count})"), figures_frame, notes


def _gaps(rows: pd.DataFrame, line: str) -> list[str]:
    """``2024-25: no England figure (x — not available); the chart leaves a gap.``"""
    blank = rows[rows["value"].isna()]
    return [
        f"{r.period}: no {line} figure ({symbol_words(r.symbol) if r.symbol else 'none given'}); "
        "the chart leaves a gap."
        for r in blank.itertuples()
    ]


def benchmarks(db: Path | str, kpi_id: str, config: CouncilConfig | None = None) -> Benchmarks:
    """England, region and statistical-neighbour lines for a KPI, one point per period.

    Worked out once per snapshot and settings (a ``CouncilConfig`` is one object per version
    of the file): the overview asks for every headline KPI's, which was two thirds of its
    server time (0.25 of 0.38 s). Each caller gets its own copies of the frames.
    """
    bench = _benchmarks(*snapshot.key(db), kpi_id, config or load_config())
    return replace(
        bench,
        series=bench.series.copy(),
        neighbour_values=bench.neighbour_values.copy(),
        councils=bench.councils.copy(),
    )


@lru_cache(maxsize=256)
def _benchmarks(db: str, version: str, kpi_id: str, config: CouncilConfig) -> Benchmarks:
    """``benchmarks`` of the store at ``db`` (``version`` is only part of the cache key)."""
    unit = kpi(kpi_id).unit
    rows = published(db, kpi_id)
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    no_neighbours = pd.DataFrame(columns=["period", "name", "value", "figure"])
    if rows.empty:
        return Benchmarks(empty, no_neighbours)
    parts, notes = [], []
    england = rows[rows["area_type"] == ENGLAND]
    if len(england):
        parts.append(england.assign(line="England", used=1))
        notes += _gaps(england, "England")
    region = rows[(rows["area_type"] == REGION) & (rows["area_code"] == config.region_code)]
    if config.region_code and len(region):
        name = region["area_name"].iloc[-1]
        parts.append(region.assign(line=name, used=1))
        notes += _gaps(region, name)
    la_rows = rows[rows["area_type"] == "LA"]
    own = {c for c in (config.la_code, config.la_code_new) if c}
    councils = la_rows[
        ~la_rows["illustrative"].astype(bool)
        & la_rows["value"].notna()
        & ~la_rows["area_code"].isin(own)
        & ~la_rows["old_la_code"].isin(own)
    ][["period", "area_code", "old_la_code", "value"]]
    figures = no_neighbours
    neighbours = _neighbours(config)
    if neighbours and len(la_rows):
        line, figures, neighbour_notes = _neighbour_line(la_rows, neighbours, config, unit)
        notes += neighbour_notes
        if len(line):
            parts.append(line.assign(area_type=NEIGHBOURS))
    if not parts:
        return Benchmarks(empty, figures, councils, tuple(notes))
    series = pd.concat(parts, ignore_index=True)
    series = series[series["value"].notna()].copy()
    series["period_start"] = series["period_end"].map(_period_start)
    series["illustrative"] = series["illustrative"].astype(bool)
    return Benchmarks(
        series[SERIES_COLUMNS].reset_index(drop=True), figures, councils, tuple(notes)
    )


@dataclass(frozen=True)
class Versus:
    """The council's figure against one benchmark line."""

    line: str
    area_type: str
    period: str
    value: float
    difference: float
    position: str  # above / below / level with
    judgement: str  # better / worse / "" (level)
    illustrative: bool
    source: str


@dataclass(frozen=True)
class Rank:
    """The council's place among all councils' published figures for one year."""

    place: int  # 1 = best; ties share a place
    of: int  # councils ranked, the council included
    period: str

    @property
    def band(self) -> str:
        """Quartile band by place: A is the best quarter of councils, D the worst."""
        return BANDS[min(3, (self.place - 1) * 4 // self.of)]


@dataclass(frozen=True)
class Comparison:
    """Where the council stands in one month against the latest published figures."""

    kpi_id: str
    month: date
    council_value: float
    unit: str
    versus: tuple[Versus, ...]
    rank: Rank | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: name, figure (words) of each neighbour for the neighbour line's period
    neighbours: pd.DataFrame = field(default_factory=pd.DataFrame)

    def against(self, area_type: str) -> Versus | None:
        return next((v for v in self.versus if v.area_type == area_type), None)

    def england_phrase(self) -> str | None:
        """``Below England average (better): 16.3 in 2020`` — for the overview tile."""
        england = self.against(ENGLAND)
        if england is None:
            return None
        where = f"{england.position[0].upper()}{england.position[1:]} England average"
        if england.judgement:
            where += f" ({england.judgement})"
        figure = f"{format_value(england.value, self.unit)} in {england.period}"
        band = f"; quartile {self.rank.band}" if self.rank else ""
        return f"{where}: {figure}{band}" + (f", {ILLUSTRATIVE}" if england.illustrative else "")

    def rank_sentence(self, council_name: str) -> str | None:
        if self.rank is None:
            return None
        r = self.rank
        return (
            f"{council_name} would rank {_ordinal(r.place)} of {r.of} councils (best first) "
            f"against every council's published {r.period} figure: quartile band {r.band} "
            "(A is the best quarter, D the worst)."
        )

    @property
    def illustrative(self) -> bool:
        return any(v.illustrative for v in self.versus)


def _latest(points: pd.DataFrame, month: date) -> pd.Series | None:
    """The latest published point that ends by the end of ``month``."""
    upto = points[points["period_end"] <= _month_end(month)]
    return upto.sort_values("period_end").iloc[-1] if len(upto) else None


def _versus(point: pd.Series, council: float, unit: str, higher_better: bool) -> Versus:
    diff = rounded(council, unit) - rounded(point["value"], unit)
    position = "above" if diff > 0 else "below" if diff < 0 else "level with"
    judgement = "" if diff == 0 else "better" if (diff > 0) == higher_better else "worse"
    return Versus(
        line=point["line"],
        area_type=point["area_type"],
        period=point["period"],
        value=float(point["value"]),
        difference=diff,
        position=position,
        judgement=judgement,
        illustrative=bool(point["illustrative"]),
        source=str(point["source"]),
    )


def rank_among(
    council: float, others: pd.Series, higher_better: bool, unit: str
) -> tuple[int, int]:
    """The council's place among other councils' figures (ties share a place), best first,
    and how many are ranked with it."""
    values = [rounded(v, unit) for v in others.dropna()]
    mine = rounded(council, unit)
    better = sum(v > mine if higher_better else v < mine for v in values)
    return better + 1, len(values) + 1


def compare(
    db: Path | str, kpi_id: str, month: object, config: CouncilConfig | None = None
) -> Comparison | None:
    """The whole council's figure for ``month`` against the latest published benchmarks.

    ``None`` when the KPI has no benchmark published by then or the council has no figure.
    """
    config = config or load_config()
    month = pd.Timestamp(month).date()
    k = kpi(kpi_id)
    bench = benchmarks(db, kpi_id, config)
    if bench.empty:
        return None
    own = kpi_values(db, [kpi_id], months=[month], teams=[ALL])
    if own.empty or is_missing(own["value"].iloc[0]):
        return None
    council = float(own["value"].iloc[0])
    versus = []
    for line_type in (ENGLAND, REGION, NEIGHBOURS):
        point = _latest(bench.series[bench.series["area_type"] == line_type], month)
        if point is not None:
            versus.append(_versus(point, council, k.unit, k.higher_is_better))
    if not versus:
        return None
    latest = max(versus, key=lambda v: v.period).period
    others = bench.councils[bench.councils["period"] == latest]["value"]
    rank = (
        Rank(*rank_among(council, others, k.higher_is_better, k.unit), period=latest)
        if len(others)
        else None
    )
    neighbours = next((v for v in versus if v.area_type == NEIGHBOURS), None)
    shown = {v.period for v in versus}
    figures = bench.neighbour_values
    return Comparison(
        kpi_id=kpi_id,
        month=month,
        council_value=council,
        unit=k.unit,
        versus=tuple(versus),
        rank=rank,
        notes=tuple(n for n in bench.notes if n.split(":")[0] in shown),
        neighbours=figures[figures["period"] == neighbours.period][["name", "figure"]]
        if neighbours is not None
        else figures.iloc[0:0][["name", "figure"]],
    )


def comparison_table(comparison: Comparison, council_name: str) -> pd.DataFrame:
    """The comparison as a small table of words and formatted figures (page and board pack)."""
    unit = comparison.unit
    ours = format_value(comparison.council_value, unit)
    rows = []
    for v in comparison.versus:
        gap = "no difference" if v.difference == 0 else format_change(v.difference, unit)
        stands = f"{v.position} ({v.judgement})" if v.judgement else v.position
        rows.append(
            {
                "Compared with": v.line,
                "Period": v.period,
                "Their figure": format_value(v.value, unit),
                f"{council_name} ({uk_month(comparison.month)})": ours,
                "Difference": gap,
                f"{council_name} is": stands,
                "Figures": ILLUSTRATIVE if v.illustrative else "published",
                "Source": v.source,
            }
        )
    return pd.DataFrame(rows)


def neighbour_table(comparison: Comparison) -> pd.DataFrame:
    """Each neighbour's figure for the year the neighbour average is of: a number, or the
    DfE's symbol with its meaning, or why there is none (never a blank)."""
    return comparison.neighbours.rename(columns={"name": "Neighbour", "figure": "Their figure"})


def england_position(db: Path | str, kpi_id: str, month: object) -> str:
    """One phrase for an overview tile, e.g. ``Above England average (worse): 16.3 in 2020;
    quartile C``, or ``No published comparison``."""
    result = compare(db, kpi_id, month)
    phrase = result.england_phrase() if result is not None else None
    return phrase or NO_COMPARISON
