"""Return declarations: what each monthly return looks like, read from ``etl/spec/*.yaml``.

A return type is declared once (columns, header aliases, types, code lists, rules) so that the
reader, the validator, the expectation suite, the database schema and the docs all follow the
same text. Adding a return means adding a YAML file, not editing code.
"""

from __future__ import annotations

import re
import unicodedata
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
    #: A date and a time of day, for deadlines on the clock ("by 10:00 the next working day").
    "datetime": "TIMESTAMP",
    "number": "DOUBLE",
    "integer": "INTEGER",
}


#: Letters from other scripts drawn like Latin ones (Unicode's confusables, the ones that
#: matter in headings): a heading typed or pasted with a Cyrillic "а" must still be known,
#: above all when it names personal data.
LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝвнкмтАВЕЅІЈКМНОРСТХУԌԚԜαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwbhkmtABESIJKMHOPCTXYGQWabeiknoptuxABEZHIKMNOPTYX",
)


def fold_text(text: str) -> str:
    """``text`` in its plainest form: compatibility forms (NFKC: full-width letters,
    ligatures), look-alike letters from other scripts as Latin, accents and invisible
    format characters (zero-width spaces, direction marks) removed."""
    text = unicodedata.normalize("NFKC", text).translate(LOOK_ALIKES)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))


def fold_header(text: str) -> str:
    """Fold a header for matching: look-alikes folded (``fold_text``), lower case,
    punctuation, spaces and underscores removed.

    Real exports write the same column as ``Child Unique ID``, ``child_unique_id`` or
    ``CHILD-UNIQUE-ID``; folding makes them one key.
    """
    return re.sub(r"[^0-9a-z]", "", fold_text(text).lower())


def looks_disguised(text: str) -> bool:
    """True when ``text`` is spelt with look-alike letters from another script."""
    return any(ord(c) in LOOK_ALIKES for c in unicodedata.normalize("NFKC", text))


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
    #: A flag that may be Y only where the named flag is Y (a child "seen alone" was seen).
    only_if: str | None = None
    #: A date planned ahead (a due date): it may lie after the return month, up to the end of
    #: the working-day calendar, where any other date is refused after the following month.
    future_allowed: bool = False
    #: The column may be left out of a file altogether (read as blank). Every other declared
    #: column must be present, even where its cells may be blank: a file without
    #: ``last_supervision_date`` is "column missing", never "nobody supervised".
    optional: bool = False
    #: Words written by people (commentary): searched inside for a child's identifier, date
    #: of birth or postcode (``etl.check.identifiers``), and drawn as plain text wherever shown.
    free_text: bool = False
    #: The longest value allowed, in characters (default ``etl.check.validate.MAX_TEXT``).
    max_length: int | None = None
    #: The value a generated template's example row holds (``etl.templates``), where one made
    #: from the type would not load: an actions row must name a measure the dashboard knows.
    example: str | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def header_keys(self) -> set[str]:
        """Every folded header that names this column."""
        return {fold_header(self.name), *(fold_header(a) for a in self.aliases)}


@dataclass(frozen=True)
class AnnexList:
    """One list of the Ofsted Annex A workbook that gives rows of a return."""

    number: int
    title: str
    #: Columns the list does not carry, given one value for every row (e.g. plan_type: CP).
    fill: dict[str, str] = field(default_factory=dict)
    #: Headings that identify the list on a sheet whose name does not say which list it is.
    signature: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"List {self.number} ({self.title})"


@dataclass(frozen=True)
class MonthSplit:
    """How rows of a list covering many months fall into months.

    A row is in the month of its ``event`` date; before that, from the month of its
    ``open_from`` date, it is in every month at whose end it was still waiting for the event.
    A row flagged ``unless`` is in the ``open_from`` month only.
    """

    event: str
    open_from: str
    unless: str | None = None


@dataclass(frozen=True)
class AnnexSource:
    """What an Annex A workbook gives a return: the lists, and how their rows become months.

    ``period`` is ``events`` (rows cut into months by ``split``) or ``snapshot`` (the position
    at the list date, which fills ``as_at_column`` and names the month).
    """

    period: str
    lists: tuple[AnnexList, ...]
    split: MonthSplit | None = None
    as_at_column: str | None = None
    #: Text given to a blank (or Excel-error) cell of a column, e.g. team: "Team not recorded".
    blank_as: dict[str, str] = field(default_factory=dict)
    #: Columns that hold staff names in the workbook: every value is pseudonymised.
    pseudonymise: tuple[str, ...] = ()


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
    #: The same file may be sent for several months (a position that stops changing, such
    #: as the urgent review's once every case is reviewed). Otherwise a file byte-for-byte
    #: the same as another month's is refused as that month's file sent under a new name.
    may_repeat: bool = False
    #: The date column that puts a row in its month (visits: ``due_date``): in a monthly
    #: file every row's value must lie in the file's month (blank only where the column may be
    #: blank). None for a return that is a position at month end or holds cases still open,
    #: where no one date does; a monthly return must say which (``month_column: null``).
    month_column: str | None = None
    #: False for a return of words, not counts (commentary and actions): no KPI is worked
    #: out again when it loads, and a demo store accepts it as well as a real one.
    figures: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    #: Where the Ofsted Annex A workbook gives this return's rows (None: it does not).
    annex_a: AnnexSource | None = None

    @property
    def required_columns(self) -> list[str]:
        """Columns a file must carry (cells may still be blank where ``required: false``)."""
        return [c.name for c in self.columns if not c.optional]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def alias_map(self) -> dict[str, str]:
        """Folded header -> canonical column name."""
        return {key: c.name for c in self.columns for key in c.header_keys()}

    @property
    def suite_path(self) -> Path:
        return Path(__file__).parent.parent / "expectations" / f"{self.name}.json"


class DeclarationError(ValueError):
    """A declaration that does not say what the loader can follow: the file and key named."""


_RETURN_KEYS = {
    "name", "title", "grain", "monthly", "columns", "unique", "replace_by", "annex_a",
    "may_repeat", "month_column", "figures",
}  # fmt: skip
_COLUMN_KEYS = {
    "type", "description", "required", "optional", "aliases", "codes", "code_aliases",
    "min", "max", "min_exclusive", "not_before", "future_allowed", "only_if",
    "free_text", "max_length", "example",
}  # fmt: skip
_ANNEX_KEYS = {"period", "lists", "split", "as_at_column", "blank_as", "pseudonymise"}
_LIST_KEYS = {"list", "title", "fill", "signature"}
_SPLIT_KEYS = {"event", "open_from", "unless"}
_TYPES = {
    "required": bool, "optional": bool, "min_exclusive": bool, "monthly": bool,
    "future_allowed": bool, "may_repeat": bool, "figures": bool, "free_text": bool,
    "max_length": int,
    "min": (int, float), "max": (int, float), "aliases": list, "codes": list,
    "code_aliases": dict, "unique": list, "replace_by": list, "description": str,
    "title": str, "grain": str, "name": str, "not_before": str, "only_if": str, "type": str,
    "month_column": str, "example": str,
}  # fmt: skip


def check_keys(
    where: str,
    body: object,
    allowed: set[str],
    required: set[str] = frozenset(),
    types: dict[str, type | tuple[type, ...]] | None = None,
) -> dict:
    """Refuse an unknown (often misspelt) key, a missing one or a value of the wrong type,
    naming the file and the key: one check for every declaration (returns, KPIs)."""
    if not isinstance(body, dict):
        raise DeclarationError(f"{where}: expected a mapping, found {type(body).__name__}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise DeclarationError(
            f"{where}: unknown key {unknown[0]!r}; expected one of: {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(body))
    if missing:
        raise DeclarationError(f"{where}: missing key {missing[0]!r}")
    for key, value in body.items():
        want = (types or {}).get(key)
        if want and value is not None and not isinstance(value, want):
            names = " or ".join(t.__name__ for t in (want if isinstance(want, tuple) else (want,)))
            raise DeclarationError(f"{where}: {key!r} should be {names}, found {value!r}")
    return body


def _keys(where: str, body: object, allowed: set[str]) -> dict:
    return check_keys(where, body, allowed, types=_TYPES)


def _column(where: str, name: str, body: dict | None, common: dict) -> Column:
    merged = {
        **common.get(name, {}),
        **_keys(f"{where}: column {name!r}", body or {}, _COLUMN_KEYS),
    }
    if "type" not in merged:
        raise DeclarationError(
            f"{where}: column {name!r} has no type and is not in {COMMON_COLUMNS}"
        )
    if merged["type"] not in SQL_TYPES:
        raise DeclarationError(
            f"{where}: column {name!r} has unknown type {merged['type']!r}; "
            f"expected one of: {', '.join(SQL_TYPES)}"
        )
    return Column(
        name=name,
        type=merged["type"],
        description=merged.get("description", ""),
        required=merged.get("required", True),
        optional=merged.get("optional", False),
        aliases=tuple(merged.get("aliases", ())),
        codes=tuple(merged.get("codes", ())),
        code_aliases={k.upper(): v for k, v in merged.get("code_aliases", {}).items()},
        min=merged.get("min"),
        max=merged.get("max"),
        min_exclusive=merged.get("min_exclusive", False),
        not_before=merged.get("not_before"),
        only_if=merged.get("only_if"),
        future_allowed=merged.get("future_allowed", False),
        free_text=merged.get("free_text", False),
        max_length=merged.get("max_length"),
        example=merged.get("example"),
    )


def _annex(where: str, raw: dict, columns: set[str]) -> AnnexSource:
    where = f"{where}: annex_a"
    _keys(where, raw, _ANNEX_KEYS)

    def known(key: str, name: str | None) -> str | None:
        if name is not None and name not in columns:
            raise DeclarationError(f"{where}: {key} names {name!r}, which is not a column")
        return name

    if raw.get("period") not in ("events", "snapshot"):
        raise DeclarationError(f"{where}: 'period' should be events or snapshot")
    lists = []
    for i, item in enumerate(raw.get("lists") or ()):
        body = _keys(f"{where}: lists[{i}]", item, _LIST_KEYS)
        for column in body.get("fill", {}):
            known("fill", column)
        lists.append(
            AnnexList(
                number=int(body["list"]),
                title=str(body.get("title", "")),
                fill={k: str(v) for k, v in (body.get("fill") or {}).items()},
                signature=tuple(body.get("signature", ())),
            )
        )
    if not lists:
        raise DeclarationError(f"{where}: 'lists' names no list")
    split = None
    if raw.get("split") is not None:
        body = _keys(f"{where}: split", raw["split"], _SPLIT_KEYS)
        split = MonthSplit(
            known("split.event", body["event"]),
            known("split.open_from", body["open_from"]),
            known("split.unless", body.get("unless")),
        )
    if (raw["period"] == "events") != (split is not None):
        raise DeclarationError(f"{where}: an events list needs 'split'; a snapshot has none")
    as_at = known("as_at_column", raw.get("as_at_column"))
    if raw["period"] == "snapshot" and as_at is None:
        raise DeclarationError(f"{where}: a snapshot list needs 'as_at_column'")
    for column in raw.get("blank_as") or {}:
        known("blank_as", column)
    return AnnexSource(
        period=raw["period"],
        lists=tuple(lists),
        split=split,
        as_at_column=as_at,
        blank_as=dict(raw.get("blank_as") or {}),
        pseudonymise=tuple(known("pseudonymise", c) for c in raw.get("pseudonymise", ())),
    )


def _load(path: Path, common: dict) -> ReturnSpec:
    where = f"etl/spec/{path.name}"
    raw = _keys(where, yaml.safe_load(path.read_text(encoding="utf-8")), _RETURN_KEYS)
    for key in ("name", "title", "grain", "columns"):
        if key not in raw:
            raise DeclarationError(f"{where}: missing key {key!r}")
    columns = tuple(_column(where, n, b, common) for n, b in raw["columns"].items())
    names = {c.name for c in columns}
    for c in columns:
        for key in ("not_before", "only_if"):
            other = getattr(c, key)
            if other is not None and other not in names:
                raise DeclarationError(
                    f"{where}: column {c.name!r} {key} names {other!r}, not a column"
                )
    return ReturnSpec(
        month_column=_month_column(where, raw, columns),
        name=raw["name"],
        title=raw["title"],
        grain=raw["grain"],
        columns=columns,
        unique=tuple(raw.get("unique", ())),
        monthly=raw.get("monthly", True),
        replace_by=tuple(raw.get("replace_by", ())),
        may_repeat=raw.get("may_repeat", False),
        figures=raw.get("figures", True),
        annex_a=_annex(where, raw["annex_a"], names) if raw.get("annex_a") else None,
    )


def _month_column(where: str, raw: dict, columns: tuple[Column, ...]) -> str | None:
    """The declared ``month_column``: a date column of the return, said by every monthly
    return (null where no one date puts a row in its month) and by no reference return."""
    monthly = raw.get("monthly", True)
    if "month_column" not in raw:
        if monthly:
            raise DeclarationError(
                f"{where}: missing key 'month_column' (the date column that puts a row in its "
                "month, or null for a position at month end)"
            )
        return None
    name = raw["month_column"]
    if name is not None and not monthly:
        raise DeclarationError(f"{where}: 'month_column' is for monthly returns only")
    dated = {c.name for c in columns if c.type in ("date", "datetime")}
    if name is not None and name not in dated:
        raise DeclarationError(
            f"{where}: month_column names {name!r}, which is not a date column of the return"
        )
    return name


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
    """The returns a council sends every month (the ones the coverage grid expects): monthly
    returns of figures (commentary is written when there is something to say)."""
    return [s for s in all_returns().values() if s.monthly and s.figures]
