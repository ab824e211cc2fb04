"""Import the DfE's published local-authority statistics as the benchmarks return.

Councils compare themselves with England, their region and their statistical neighbours
using the files the DfE publishes on "explore education statistics" (EES): one CSV per table,
one row per area and year, in a standard layout (``time_period``, ``time_identifier``,
``geographic_level``, ``country_code``, ``region_code``, ``region_name``, ``new_la_code``,
``old_la_code``, ``la_name``, then indicator columns). An analyst downloads the file and runs
``python -m etl import-ees FILE``; this module works out which of the tables declared in
``config/ees_indicators.yaml`` the file is, turns that table's indicators into benchmarks rows
and loads them through the normal checked path, so a published file is validated, logged and
replaced like any return.

Published cells are not always numbers: the DfE writes ``c`` (suppressed), ``x`` (not
available), ``z`` (not applicable), ``low``/``k`` (rounds to zero), ``u`` (low reliability)
and others. Such a cell is never a zero and never a failed import: its value is blank and its
symbol is kept (benchmarks ``symbol``), so every page and pack can say what it means.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from etl.returns import get_return
from etl.schemas import check_ees

MAPPING_PATH = Path(__file__).resolve().parents[3] / "config" / "ees_indicators.yaml"
#: EES geographic levels we keep, as the benchmarks return's area types.
LEVELS = {"national": "ENGLAND", "regional": "REGION", "local authority": "LA"}
#: Per area type: the file's (code column, name column) for that level.
AREA_COLUMNS = {
    "ENGLAND": ("country_code", "country_name"),
    "REGION": ("region_code", "region_name"),
    "LA": ("new_la_code", "la_name"),
}
LAYOUT = ("time_period", "time_identifier", "geographic_level")
#: One column as the mapping names it: its spellings, newest first (tables get renamed).
Spelling = tuple[str, ...]


def _spelling(raw: object) -> Spelling:
    names = raw if isinstance(raw, list) else [raw]
    return tuple(str(n) for n in names)


def _said(spelling: Spelling) -> str:
    return " or ".join(spelling)


def _pick(spelling: Spelling, present: set[str]) -> str | None:
    """The file's column (lower case) for a spelling, or None when the file has none of them."""
    return next((s.lower() for s in spelling if s.lower() in present), None)


@dataclass(frozen=True)
class EesIndicator:
    """One mapping entry: where a KPI's published equivalent is in a DfE table."""

    kpi: str
    table: str
    publication: str
    unit: str
    year_end: str
    period: str
    column: Spelling = ()
    numerator: tuple[Spelling, ...] = ()
    denominator: tuple[Spelling, ...] = ()
    total: Spelling = ()
    where: tuple[tuple[str, str], ...] = ()

    @property
    def needs(self) -> tuple[Spelling, ...]:
        """Every column the figure cannot be worked out without (the total is a fall-back)."""
        named = ((self.column,) if self.column else ()) + self.numerator + self.denominator
        return named + tuple((c,) for c, _ in self.where)

    def missing(self, present: set[str]) -> str | None:
        """``agency_worker_pct: no column a or b in this file``, or None when all are there."""
        gone = [s for s in self.needs if _pick(s, present) is None]
        if not gone:
            return None
        return f"{self.kpi}: no column {', '.join(_said(s) for s in gone)} in this file"


@dataclass(frozen=True)
class EesTable:
    """One DfE table: how to tell it from the others, and what it gives (if anything)."""

    table: str
    columns: tuple[Spelling, ...]
    rows: tuple[tuple[str, str], ...] = ()
    unused: str = ""
    indicators: tuple[EesIndicator, ...] = ()

    def held_by(self, frame: pd.DataFrame) -> bool:
        """True when ``frame`` (lower-case headers) is this table."""
        present = set(frame.columns)
        if any(_pick(s, present) is None for s in self.columns):
            return False
        return all(
            c.lower() in present and (frame[c.lower()].str.strip() == v).any() for c, v in self.rows
        )


@dataclass(frozen=True)
class EesMapping:
    """``config/ees_indicators.yaml``: the DfE's symbols and the tables we know."""

    symbols: dict[str, str]
    tables: tuple[EesTable, ...]

    @property
    def indicators(self) -> tuple[EesIndicator, ...]:
        return tuple(i for t in self.tables for i in t.indicators)

    def meaning(self, symbol: str) -> str:
        """``c — suppressed to protect confidentiality`` (the symbol alone if unknown)."""
        words = self.symbols.get(symbol.lower())
        return f"{symbol} — {words}" if words else symbol


@dataclass
class EesConversion:
    """An EES file converted to benchmarks rows, with what was left out and why."""

    table: str
    frame: pd.DataFrame  # benchmarks columns, as text, ready to write as a CSV
    indicators: list[str] = field(default_factory=list)
    symbols: Counter = field(default_factory=Counter)  # symbol → figures not published
    unreadable: int = 0  # other non-numeric cells, read as no figure
    skipped_levels: Counter = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)  # indicators the file cannot give
    undeclared: list[str] = field(default_factory=list)  # mapped KPIs not in kpis.yaml yet
    via_total: Counter = field(default_factory=Counter)  # kpi → figures over the total

    def summary(self) -> str:
        """A plain-English account for the analyst (counts only, never cell contents)."""
        lines = [
            f"This is the DfE's {self.table}.",
            f"{len(self.frame):,} benchmark figure(s) for {', '.join(self.indicators)}.",
        ]
        lines += [f"{m}, so it was not imported." for m in self.missing]
        lines += [
            f"{k}: no KPI declared yet (metrics/kpis.yaml); its figures are stored for when it is."
            for k in self.undeclared
        ]
        lines += [
            f"{k}: {n:,} figure(s) use the published total as the denominator, because one of "
            "the bands it sums was suppressed (each says so in its source)."
            for k, n in sorted(self.via_total.items())
        ]
        if self.symbols:
            kinds = ", ".join(f"'{s}' × {n:,}" for s, n in sorted(self.symbols.items()))
            lines.append(
                f"{sum(self.symbols.values()):,} figure(s) not published, kept as the DfE's "
                f"symbol ({kinds})."
            )
        if self.unreadable:
            lines.append(f"{self.unreadable:,} other non-numeric cell(s) read as no figure.")
        if self.skipped_levels:
            levels = ", ".join(f"{k} × {n:,}" for k, n in sorted(self.skipped_levels.items()))
            lines.append(f"Rows at other geographic levels left out: {levels}.")
        return "\n".join(lines)


class EesFileError(ValueError):
    """The file is not an EES file this mapping can read; the message says why."""


def _pairs(raw: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in (raw or {}).items())


def _indicator(raw: dict, table: dict) -> EesIndicator:
    kpi = raw.get("kpi")
    if bool(raw.get("column")) == bool(raw.get("numerator")):
        raise ValueError(f"{kpi}: give either `column` or `numerator`/`denominator`")
    if raw.get("numerator") and not raw.get("denominator"):
        raise ValueError(f"{kpi}: a `numerator` needs a `denominator`")
    if table.get("period") not in ("financial", "year"):
        raise ValueError(f"{table.get('table')}: `period` must be financial or year")
    return EesIndicator(
        kpi=raw["kpi"],
        table=table["table"],
        publication=table["publication"],
        unit=raw["unit"],
        year_end=str(table["year_end"]),
        period=table["period"],
        column=_spelling(raw["column"]) if raw.get("column") else (),
        numerator=tuple(_spelling(c) for c in raw.get("numerator") or ()),
        denominator=tuple(_spelling(c) for c in raw.get("denominator") or ()),
        total=_spelling(raw["total"]) if raw.get("total") else (),
        where=_pairs(raw.get("where")),
    )


def _table(raw: dict) -> EesTable:
    indicators = tuple(_indicator(i, raw) for i in raw.get("indicators") or ())
    if bool(indicators) == bool(raw.get("unused")):
        raise ValueError(f"{raw.get('table')}: give either `indicators` or `unused`")
    return EesTable(
        table=raw["table"],
        columns=tuple(_spelling(c) for c in raw["columns"]),
        rows=_pairs(raw.get("rows")),
        unused=" ".join(str(raw.get("unused") or "").split()),
        indicators=indicators,
    )


@cache
def _mapping(path: Path, mtime_ns: int) -> EesMapping:
    raw = check_ees(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return EesMapping(
        symbols={str(k).lower(): str(v) for k, v in (raw.get("symbols") or {}).items()},
        tables=tuple(_table(t) for t in raw.get("tables") or ()),
    )


def load_mapping(path: Path | None = None) -> EesMapping:
    """The EES → KPI mapping (``config/ees_indicators.yaml`` unless ``path`` is given)."""
    chosen = Path(path or MAPPING_PATH).resolve()
    return _mapping(chosen, chosen.stat().st_mtime_ns)


def _numbers(
    cells: pd.Series, conversion: EesConversion, mapping: EesMapping
) -> tuple[pd.Series, pd.Series]:
    """Published cells → (floats, symbols); a DfE symbol or other text is no figure (counted)."""
    text = cells.fillna("").astype("str").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    symbol = pd.Series("", index=text.index, dtype="object")
    not_number = numbers.isna() & (text != "")
    for index, cell in text[not_number].items():
        bare = cell.strip("[]").strip().lower()
        if bare in mapping.symbols:
            symbol[index] = bare
        else:
            conversion.unreadable += 1
    return numbers.astype("float64"), symbol


def _period(time_period: str, indicator: EesIndicator) -> tuple[str, date]:
    """``2021`` or ``202021`` → (label, last day); the label follows the publication."""
    digits = re.sub(r"\D", "", time_period)
    if len(digits) == 6:
        end_year = int(digits[:4]) + 1
    elif len(digits) == 4:
        end_year = int(digits)
    else:
        raise EesFileError(f"time_period '{time_period[:12]}' is not a year (2021 or 202021)")
    month, day = (int(p) for p in indicator.year_end.split("-"))
    label = (
        f"{end_year - 1}-{end_year % 100:02d}" if indicator.period == "financial" else str(end_year)
    )
    return label, date(end_year, month, day)


@dataclass(frozen=True)
class _Figures:
    """One indicator's figure on every row, the symbol where there is none, and which rows
    were worked out over the published total."""

    value: pd.Series
    symbol: pd.Series
    via_total: pd.Series


def _figures(
    read: dict[str, tuple[pd.Series, pd.Series]], indicator: EesIndicator, present: set[str]
) -> _Figures:
    """The indicator's figures from the file's columns already read as numbers."""
    if indicator.column:
        value, symbol = read[_pick(indicator.column, present)]
        return _Figures(value, symbol, pd.Series(False, index=value.index))

    def total(spellings: tuple[Spelling, ...]) -> tuple[pd.Series, pd.Series]:
        parts = [read[_pick(s, present)] for s in spellings]
        values = pd.concat([p[0] for p in parts], axis=1)
        summed = values.sum(axis=1, min_count=len(parts))  # any gap → no figure
        symbols = pd.concat([p[1] for p in parts], axis=1)
        first = symbols.apply(lambda row: next((s for s in row if s), ""), axis=1)
        return summed, first

    top, top_symbol = total(indicator.numerator)
    bottom, bottom_symbol = total(indicator.denominator)
    via_total = pd.Series(False, index=top.index)
    published = _pick(indicator.total, present) if indicator.total else None
    if published:
        # A suppressed band leaves the sum blank; the published total still counts every case.
        fallback = read[published][0]
        via_total = bottom.isna() & top.notna() & fallback.notna()
        bottom = bottom.mask(via_total, fallback)
    share = top / bottom.where(lambda d: d != 0)
    if indicator.unit == "percent":
        share = share * 100
    symbol = top_symbol.mask(top_symbol == "", bottom_symbol).where(share.isna(), "")
    return _Figures(share, symbol, via_total)


def _area(frame: pd.DataFrame, area_type: str) -> tuple[pd.Series, pd.Series]:
    code_col, name_col = AREA_COLUMNS[area_type]
    code = frame.get(code_col, pd.Series("", index=frame.index)).fillna("").str.strip()
    if area_type == "LA" and "old_la_code" in frame:
        code = code.mask(code == "", frame["old_la_code"].fillna("").str.strip())
    default = "England" if area_type == "ENGLAND" else ""
    name = frame.get(name_col, pd.Series(default, index=frame.index)).fillna(default).str.strip()
    return code, name.mask(name == "", default)


def read_ees(data: bytes) -> pd.DataFrame:
    """An EES CSV as text columns with lower-case headers; refuses other layouts clearly."""
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype="str", keep_default_na=False, encoding="utf-8-sig"
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise EesFileError(f"The file could not be read as a CSV ({type(exc).__name__})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in LAYOUT if c not in frame.columns]
    if missing:
        raise EesFileError(
            f"Not an explore education statistics file: no {', '.join(missing)} column(s). "
            "Download the local-authority CSV of the table from the DfE's site."
        )
    return frame


def which_table(frame: pd.DataFrame, mapping: EesMapping | None = None) -> EesTable | None:
    """The declared table this file is, if any (the first that matches)."""
    return next((t for t in (mapping or load_mapping()).tables if t.held_by(frame)), None)


def advice(frame: pd.DataFrame) -> str:
    """What ``import-ees`` will do with a file, in one sentence (``etl load`` says it)."""
    table = which_table(frame)
    if table is None:
        return (
            "but none of the tables mapped in config/ees_indicators.yaml is this one, "
            "so import-ees will refuse it until a mapping for it is added there."
        )
    if table.unused:
        return f"it is the DfE's {table.table}, which import-ees refuses: {table.unused}."
    present = set(frame.columns)
    taken = [i.kpi for i in table.indicators if i.missing(present) is None]
    return (
        f"it is the DfE's {table.table}, and it takes {', '.join(taken)} from this table "
        "(config/ees_indicators.yaml)."
    )


def _declared(kpi_id: str) -> bool:
    from metrics.declarations import declarations  # metrics imports etl.write.store, not this

    return kpi_id in declarations().kpis


def _rows(
    at: pd.DataFrame, figures: _Figures, indicator: EesIndicator, area_type: str
) -> pd.DataFrame:
    code, name = _area(at, area_type)
    periods = [_period(tp, indicator) for tp in at["time_period"]]
    by_total = figures.via_total.loc[at.index]
    denominator = _said(indicator.total)
    sources = [
        f"{indicator.publication} ({label})"
        + (f"; {denominator} total used as the denominator (a band is suppressed)" if t else "")
        for (label, _), t in zip(periods, by_total, strict=True)
    ]
    old = at["old_la_code"].fillna("").str.strip() if area_type == "LA" else ""
    return pd.DataFrame(
        {
            "indicator": indicator.kpi,
            "period": [p[0] for p in periods],
            "period_end": [p[1].isoformat() for p in periods],
            "area_type": area_type,
            "area_code": code,
            "area_name": name,
            "value": figures.value.loc[at.index].map(
                lambda v: "" if pd.isna(v) else str(round(v, 3))
            ),
            "unit": indicator.unit,
            "source": sources,
            "illustrative": "N",
            "old_la_code": old,
            "symbol": figures.symbol.loc[at.index],
        }
    )


def convert(data: bytes, mapping: EesMapping | None = None) -> EesConversion:
    """An EES file's bytes → benchmarks rows for every indicator its table gives."""
    mapping = mapping or load_mapping()
    frame = read_ees(data)
    table = which_table(frame, mapping)
    if table is None:
        raise EesFileError(
            "None of the tables in config/ees_indicators.yaml is this file (their columns "
            "were not found), so no KPI uses it. Add a mapping for this table first."
        )
    if table.unused:
        raise EesFileError(f"This is the DfE's {table.table}. It is not imported: {table.unused}.")
    present = set(frame.columns)
    chosen = [i for i in table.indicators if i.missing(present) is None]
    missing = [m for i in table.indicators if (m := i.missing(present))]
    if not chosen:
        raise EesFileError(f"This is the DfE's {table.table}, but {'; '.join(missing)}.")
    conversion = EesConversion(
        table=table.table,
        frame=pd.DataFrame(),
        indicators=[i.kpi for i in chosen],
        missing=missing,
        undeclared=[i.kpi for i in chosen if not _declared(i.kpi)],
    )
    level = frame["geographic_level"].str.strip().str.lower()
    conversion.skipped_levels.update(frame.loc[~level.isin(LEVELS), "geographic_level"])
    kept = frame[level.isin(LEVELS)]
    columns = {_pick(s, present) for i in chosen for s in (*i.needs, i.total) if s}
    columns -= {c.lower() for i in chosen for c, _ in i.where}  # filters, not figures
    read = {c: _numbers(kept[c], conversion, mapping) for c in sorted(columns)}  # once each
    parts = []
    for indicator in chosen:
        rows = kept
        for column, wanted in indicator.where:
            rows = rows[rows[column.lower()].str.strip() == wanted]
        figures = _figures(read, indicator, present)
        conversion.via_total[indicator.kpi] += int(figures.via_total.loc[rows.index].sum())
        for area_type in sorted(set(LEVELS.values())):
            at = rows[level.loc[rows.index].map(LEVELS) == area_type]
            if len(at):
                parts.append(_rows(at, figures, indicator, area_type))
    conversion.via_total = +conversion.via_total  # drop zero counts
    columns = get_return("benchmarks").column_names
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = out[out["area_code"] != ""]
    conversion.symbols.update(out.loc[out["symbol"] != "", "symbol"])
    conversion.frame = out[columns].reset_index(drop=True)
    return conversion
