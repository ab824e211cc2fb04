"""Import the DfE's published local-authority statistics as the benchmarks return.

Councils compare themselves with England, their region and their statistical neighbours
using the files the DfE publishes on "explore education statistics" (EES): one CSV per table,
one row per area and year, in a standard layout (``time_period``, ``time_identifier``,
``geographic_level``, ``country_code``, ``region_code``, ``region_name``, ``new_la_code``,
``old_la_code``, ``la_name``, then indicator columns). An analyst downloads the file and runs
``python -m etl import-ees FILE``; this module turns the indicators named in
``config/ees_indicators.yaml`` into benchmarks rows and loads them through the normal
checked path, so a published file is validated, logged and replaced like any return.

Published cells are not always numbers: the DfE writes ``c`` (suppressed, small numbers),
``x`` (not available), ``z`` (not applicable), ``:`` (not available), ``low`` (rounds to
zero), ``u`` (low reliability) and others. Every such cell becomes a missing figure — never
zero, and never a failed import.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from etl.load import LoadResult, load_paths
from etl.returns import get_return

MAPPING_PATH = Path(__file__).resolve().parent.parent / "config" / "ees_indicators.yaml"
#: The GSS / DfE symbols for a figure that is not given (brackets are stripped first).
SYMBOLS = {"c", "x", "z", ":", "low", "u", "k", "..", "-", "~", "*", "n/a", "na", "."}
#: EES geographic levels we keep, as the benchmarks return's area types.
LEVELS = {"national": "ENGLAND", "regional": "REGION", "local authority": "LA"}
#: Per area type: the file's (code column, name column) for that level.
AREA_COLUMNS = {
    "ENGLAND": ("country_code", "country_name"),
    "REGION": ("region_code", "region_name"),
    "LA": ("new_la_code", "la_name"),
}
LAYOUT = ("time_period", "time_identifier", "geographic_level")


@dataclass(frozen=True)
class EesIndicator:
    """One mapping entry: where a KPI's published equivalent is in an EES file."""

    kpi: str
    publication: str
    unit: str
    year_end: str
    period: str
    column: str | None = None
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> set[str]:
        """Every file column this indicator reads (lower case)."""
        named = {self.column} if self.column else set()
        named |= set(self.numerator) | set(self.denominator) | {c for c, _ in self.where}
        return {c.lower() for c in named}


@dataclass
class EesConversion:
    """An EES file converted to benchmarks rows, with what was left out and why."""

    frame: pd.DataFrame  # benchmarks columns, as text, ready to write as a CSV
    indicators: list[str] = field(default_factory=list)
    symbols: Counter = field(default_factory=Counter)  # symbol → cells read as missing
    unreadable: int = 0  # other non-numeric cells, also read as missing
    skipped_levels: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        """A plain-English account for the analyst (counts only, never cell contents)."""
        lines = [
            f"{len(self.frame):,} benchmark figure(s) for {', '.join(self.indicators)}.",
        ]
        missing = sum(self.symbols.values()) + self.unreadable
        if missing:
            kinds = ", ".join(f"'{s}' × {n:,}" for s, n in sorted(self.symbols.items()))
            extra = f"; {self.unreadable:,} other non-numeric cell(s)" if self.unreadable else ""
            lines.append(f"{missing:,} cell(s) read as no figure (suppression: {kinds}{extra}).")
        if self.skipped_levels:
            levels = ", ".join(f"{k} × {n:,}" for k, n in sorted(self.skipped_levels.items()))
            lines.append(f"Rows at other geographic levels left out: {levels}.")
        return "\n".join(lines)


class EesFileError(ValueError):
    """The file is not an EES file this mapping can read; the message says why."""


def _indicator(raw: dict) -> EesIndicator:
    if bool(raw.get("column")) == bool(raw.get("numerator")):
        raise ValueError(f"{raw.get('kpi')}: give either `column` or `numerator`/`denominator`")
    if raw.get("numerator") and not raw.get("denominator"):
        raise ValueError(f"{raw['kpi']}: a `numerator` needs a `denominator`")
    if raw.get("period") not in ("financial", "year"):
        raise ValueError(f"{raw['kpi']}: `period` must be financial or year")
    return EesIndicator(
        kpi=raw["kpi"],
        publication=raw["publication"],
        unit=raw["unit"],
        year_end=str(raw["year_end"]),
        period=raw["period"],
        column=raw.get("column"),
        numerator=tuple(raw.get("numerator") or ()),
        denominator=tuple(raw.get("denominator") or ()),
        where=tuple((str(k), str(v)) for k, v in (raw.get("where") or {}).items()),
    )


@cache
def _mapping(path: Path, mtime_ns: int) -> tuple[EesIndicator, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(_indicator(entry) for entry in raw.get("indicators") or [])


def load_mapping(path: Path | None = None) -> tuple[EesIndicator, ...]:
    """The EES → KPI mapping (``config/ees_indicators.yaml`` unless ``path`` is given)."""
    chosen = Path(path or MAPPING_PATH).resolve()
    return _mapping(chosen, chosen.stat().st_mtime_ns)


def _symbol(cell: str) -> str:
    return cell.strip().strip("[]").strip().lower()


def _numbers(cells: pd.Series, conversion: EesConversion) -> pd.Series:
    """Published cells → floats; DfE symbols and other text → missing (counted)."""
    text = cells.fillna("").astype("str").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    not_number = numbers.isna() & (text != "")
    for cell in text[not_number]:
        symbol = _symbol(cell)
        if symbol in SYMBOLS:
            conversion.symbols[symbol] += 1
        else:
            conversion.unreadable += 1
    return numbers.astype("float64")


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


def _values(numbers: dict[str, pd.Series], indicator: EesIndicator) -> pd.Series:
    """The indicator's figure on every row, from the file's columns already read as numbers."""
    if indicator.column:
        return numbers[indicator.column.lower()]

    def total(columns: tuple[str, ...]) -> pd.Series:
        parts = [numbers[c.lower()] for c in columns]
        return pd.concat(parts, axis=1).sum(axis=1, min_count=len(parts))  # any gap → missing

    share = total(indicator.numerator) / total(indicator.denominator).where(lambda d: d != 0)
    return share * 100 if indicator.unit == "percent" else share


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


def convert(data: bytes, mapping: tuple[EesIndicator, ...] | None = None) -> EesConversion:
    """An EES file's bytes → benchmarks rows for every mapped indicator the file holds."""
    frame = read_ees(data)
    chosen = [i for i in (mapping or load_mapping()) if i.columns <= set(frame.columns)]
    if not chosen:
        raise EesFileError(
            "None of the indicators in config/ees_indicators.yaml is in this file "
            "(their columns were not found). Add a mapping for this table first."
        )
    conversion = EesConversion(frame=pd.DataFrame(), indicators=[i.kpi for i in chosen])
    level = frame["geographic_level"].str.strip().str.lower()
    conversion.skipped_levels.update(frame.loc[~level.isin(LEVELS), "geographic_level"])
    kept = frame[level.isin(LEVELS)]
    figures = {i.column.lower() for i in chosen if i.column}
    figures |= {c.lower() for i in chosen for c in (*i.numerator, *i.denominator)}
    numbers = {c: _numbers(kept[c], conversion) for c in sorted(figures)}  # each cell read once
    parts = []
    for indicator in chosen:
        rows = kept
        for column, wanted in indicator.where:
            rows = rows[rows[column.lower()].str.strip() == wanted]
        values = _values(numbers, indicator).loc[rows.index]
        for area_type in sorted(set(LEVELS.values())):
            at = rows[level.loc[rows.index].map(LEVELS) == area_type]
            if at.empty:
                continue
            code, name = _area(at, area_type)
            periods = [_period(tp, indicator) for tp in at["time_period"]]
            parts.append(
                pd.DataFrame(
                    {
                        "indicator": indicator.kpi,
                        "period": [p[0] for p in periods],
                        "period_end": [p[1].isoformat() for p in periods],
                        "area_type": area_type,
                        "area_code": code,
                        "area_name": name,
                        "value": values.loc[at.index].map(
                            lambda v: "" if pd.isna(v) else str(round(v, 3))
                        ),
                        "unit": indicator.unit,
                        "source": [f"{indicator.publication} ({p[0]})" for p in periods],
                        "illustrative": "N",
                    }
                )
            )
    columns = get_return("benchmarks").column_names
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    conversion.frame = out[out["area_code"] != ""][columns].reset_index(drop=True)
    return conversion


def import_ees(
    db: Path,
    path: Path,
    *,
    source: str = "cli",
    user: str | None = None,
    mapping: tuple[EesIndicator, ...] | None = None,
) -> tuple[EesConversion, LoadResult]:
    """Convert a downloaded EES file and load it as the benchmarks return (checked, logged)."""
    conversion = convert(path.read_bytes(), mapping)
    with tempfile.TemporaryDirectory(prefix="csc-ees-") as tmp:
        converted = Path(tmp) / f"benchmarks_{path.stem}.csv"
        conversion.frame.to_csv(converted, index=False)
        (result,) = load_paths(db, [converted], source=source, user=user)
    return conversion, result
