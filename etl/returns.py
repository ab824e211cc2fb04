"""Return declarations: what each monthly return looks like, read from ``etl/spec/*.yaml``.

A return type is declared once (columns, header aliases, types, code lists, rules) so that the
reader, the validator, the expectation suite, the database schema and the docs all follow the
same text. Adding a return means adding a YAML file, not editing code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

SPEC_DIR = Path(__file__).parent / "spec"
COMMON_COLUMNS = "common_columns.yaml"

#: How each declared type is stored in DuckDB.
SQL_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "code": "VARCHAR",
    "flag": "BOOLEAN",
    "date": "DATE",
    "number": "DOUBLE",
    "integer": "INTEGER",
}


def fold_header(text: str) -> str:
    """Fold a header for matching: lower case, punctuation, spaces and underscores removed.

    Real exports write the same column as ``Child Unique ID``, ``child_unique_id`` or
    ``CHILD-UNIQUE-ID``; folding makes them one key.
    """
    return re.sub(r"[^0-9a-z]", "", text.lower())


@dataclass(frozen=True)
class Column:
    """One declared column of a return."""

    name: str
    type: str
    description: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    code_aliases: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    not_before: str | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def header_keys(self) -> set[str]:
        """Every folded header that names this column."""
        return {fold_header(self.name), *(fold_header(a) for a in self.aliases)}


@dataclass(frozen=True)
class ReturnSpec:
    """One declared return type."""

    name: str
    title: str
    grain: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    monthly: bool = True
    #: For non-monthly (reference) returns: a load replaces the rows whose values in these
    #: columns appear in the file. Monthly returns are replaced by month.
    replace_by: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def alias_map(self) -> dict[str, str]:
        """Folded header -> canonical column name."""
        return {key: c.name for c in self.columns for key in c.header_keys()}

    @property
    def suite_path(self) -> Path:
        return Path(__file__).parent.parent / "expectations" / f"{self.name}.json"


def _column(name: str, body: dict, common: dict) -> Column:
    merged = {**common.get(name, {}), **(body or {})}
    if "type" not in merged:
        raise ValueError(f"column {name!r} has no type and is not in {COMMON_COLUMNS}")
    if merged["type"] not in SQL_TYPES:
        raise ValueError(f"column {name!r} has unknown type {merged['type']!r}")
    return Column(
        name=name,
        type=merged["type"],
        description=merged.get("description", ""),
        required=merged.get("required", True),
        aliases=tuple(merged.get("aliases", ())),
        codes=tuple(merged.get("codes", ())),
        code_aliases={k.upper(): v for k, v in merged.get("code_aliases", {}).items()},
        min=merged.get("min"),
        max=merged.get("max"),
        min_exclusive=merged.get("min_exclusive", False),
        not_before=merged.get("not_before"),
    )


def _load(path: Path, common: dict) -> ReturnSpec:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ReturnSpec(
        name=raw["name"],
        title=raw["title"],
        grain=raw["grain"],
        columns=tuple(_column(n, b, common) for n, b in raw["columns"].items()),
        unique=tuple(raw.get("unique", ())),
        monthly=raw.get("monthly", True),
        replace_by=tuple(raw.get("replace_by", ())),
    )


@cache
def all_returns() -> dict[str, ReturnSpec]:
    """Every declared return, by name, in a stable order."""
    common = yaml.safe_load((SPEC_DIR / COMMON_COLUMNS).read_text(encoding="utf-8"))
    specs = [_load(p, common) for p in sorted(SPEC_DIR.glob("*.yaml")) if p.name != COMMON_COLUMNS]
    return {s.name: s for s in specs}


def get_return(name: str) -> ReturnSpec:
    """The declaration of one return; a clear error for a name that is not declared."""
    try:
        return all_returns()[name]
    except KeyError:
        known = ", ".join(all_returns())
        raise KeyError(f"unknown return {name!r}; known returns: {known}") from None


def monthly_returns() -> list[ReturnSpec]:
    """The returns a council sends every month (the ones the coverage grid expects)."""
    return [s for s in all_returns().values() if s.monthly]
