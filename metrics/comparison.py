"""How the council compares: England, its region and its statistical neighbours.

The first question a director or a board asks of a figure is "how do we compare?". The
published figures are annual (the CIN census year to 31 March, the workforce census at
30 September) and live in the ``benchmarks`` reference return; the council's own figures are
monthly. This module reads the first, sets them beside the second and says in words where
the council stands. The statistical-neighbour figure is the mean of the neighbours listed in
``config/council.yaml`` that have a figure for the year: a neighbour with none (suppressed
or not published) is left out of that year's mean, and a note says so.

No Streamlit here: area pages, the overview and the board pack all ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

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


def published(db: Path | str, kpi_id: str) -> pd.DataFrame:
    """Every stored benchmark row for one KPI (empty when none are loaded), oldest first."""
    has_table = snapshot.read(
        db, "SELECT 1 FROM information_schema.tables WHERE table_name = 'benchmarks'"
    )
    if has_table.empty:
        return pd.DataFrame(columns=["indicator", "period", "period_end", "area_type"])
    frame = snapshot.read(
        db,
        "SELECT indicator, period, period_end, area_type, area_code, area_name, value, "
        "lower(unit) AS unit, source, illustrative FROM benchmarks WHERE indicator = ? "
        "ORDER BY period_end, area_type, area_code",
        [kpi_id],
    )
    if len(frame):
        frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
        frame = frame[frame["unit"] == kpi(kpi_id).unit]  # another unit is not comparable
    return frame.reset_index(drop=True)


def _neighbour_names(config: CouncilConfig) -> dict[str, str]:
    """Neighbour LA code → name, from the config (the council itself never counts)."""
    return {
        str(n["la_code_new"]): str(n.get("name") or n["la_code_new"])
        for n in config.statistical_neighbours
        if str(n.get("la_code_new", "")) not in ("", config.la_code_new)
    }


@dataclass(frozen=True)
class Benchmarks:
    """The benchmark lines for one KPI, and the notes a reader needs to trust them."""

    series: pd.DataFrame  # SERIES_COLUMNS, one row per line × period
    neighbour_values: pd.DataFrame  # period, area_code, area_name, value (neighbours only)
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.series.empty


def _neighbour_line(rows: pd.DataFrame, names: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Mean of the neighbours' figures per period; a neighbour with none is left out."""
    points, notes = [], []
    for (period, end), group in rows.groupby(["period", "period_end"], sort=False):
        have = group[group["value"].notna()]
        absent = sorted(names[c] for c in names if c not in set(have["area_code"]))
        if have.empty:
            notes.append(f"{period}: no statistical neighbour has a figure, so there is no mean.")
            continue
        if absent:
            notes.append(
                f"{period}: no figure for {', '.join(absent)}, so the neighbour mean is of "
                f"{len(have)} not {len(names)}."
            )
        points.append(
            {
                "period": period,
                "period_end": end,
                "value": float(have["value"].mean()),
                "illustrative": bool(have["illustrative"].any()),
                "source": f"Mean of {len(have)} statistical neighbours: {have['source'].iloc[0]}",
                "used": len(have),
            }
        )
    line = pd.DataFrame(points)
    if line.empty:
        return line, notes
    low, high = int(line["used"].min()), int(line["used"].max())
    count = str(high) if low == high else f"{low}–{high}"
    return line.assign(line=f"Statistical neighbours (mean of {count})"), notes


def benchmarks(db: Path | str, kpi_id: str, config: CouncilConfig | None = None) -> Benchmarks:
    """England, region and statistical-neighbour lines for a KPI, one point per period."""
    config = config or load_config()
    rows = published(db, kpi_id)
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    if rows.empty:
        return Benchmarks(empty, pd.DataFrame(columns=["period", "area_code", "value"]))
    parts = []
    england = rows[rows["area_type"] == ENGLAND]
    if len(england):
        parts.append(england.assign(line="England", used=1))
    region = rows[(rows["area_type"] == REGION) & (rows["area_code"] == config.region_code)]
    if config.region_code and len(region):
        parts.append(region.assign(line=region["area_name"].iloc[-1], used=1))
    names = _neighbour_names(config)
    neighbours = rows[(rows["area_type"] == "LA") & rows["area_code"].isin(list(names))]
    notes: list[str] = []
    if names and len(neighbours):
        line, notes = _neighbour_line(neighbours, names)
        if len(line):
            parts.append(line.assign(area_type=NEIGHBOURS))
    if not parts:
        return Benchmarks(empty, neighbours, tuple(notes))
    series = pd.concat(parts, ignore_index=True)
    series = series[series["value"].notna()].copy()
    series["period_start"] = series["period_end"].map(_period_start)
    series["illustrative"] = series["illustrative"].astype(bool)
    return Benchmarks(series[SERIES_COLUMNS].reset_index(drop=True), neighbours, tuple(notes))


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
class Comparison:
    """Where the council stands in one month against the latest published figures."""

    kpi_id: str
    month: date
    council_value: float
    unit: str
    versus: tuple[Versus, ...]
    rank: int | None = None  # 1 = best among the council and its neighbours
    rank_of: int | None = None
    rank_period: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

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
        return f"{where}: {figure}" + (f", {ILLUSTRATIVE}" if england.illustrative else "")

    def rank_sentence(self, council_name: str) -> str | None:
        if self.rank is None:
            return None
        return (
            f"{council_name} ranks {_ordinal(self.rank)} of {self.rank_of} (best first) "
            f"against its statistical neighbours' {self.rank_period} figures."
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


def _rank(
    council: float, values: pd.Series, higher_better: bool, unit: str
) -> tuple[int, int] | None:
    """The council's place among its neighbours (ties share a place), best first."""
    others = [rounded(v, unit) for v in values.dropna()]
    if not others:
        return None
    mine = rounded(council, unit)
    better = sum(v > mine if higher_better else v < mine for v in others)
    return better + 1, len(others) + 1


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
    rank = rank_period = None
    neighbours = next((v for v in versus if v.area_type == NEIGHBOURS), None)
    if neighbours is not None:
        values = bench.neighbour_values
        rank = _rank(
            council,
            values[values["period"] == neighbours.period]["value"],
            k.higher_is_better,
            k.unit,
        )
        rank_period = neighbours.period
    notes = tuple(n for n in bench.notes if rank_period and n.startswith(f"{rank_period}:"))
    return Comparison(
        kpi_id=kpi_id,
        month=month,
        council_value=council,
        unit=k.unit,
        versus=tuple(versus),
        rank=rank[0] if rank else None,
        rank_of=rank[1] if rank else None,
        rank_period=rank_period,
        notes=notes,
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


def england_position(db: Path | str, kpi_id: str, month: object) -> str | None:
    """One phrase for an overview tile, e.g. ``Above England average (16.3, 2020)``."""
    result = compare(db, kpi_id, month)
    return result.england_phrase() if result is not None else None
