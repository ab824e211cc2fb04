"""Which SSD table a file is, and its rows as read: only the declared columns, ever.

A council's SSD extract is one CSV per ``ssd_*`` table. The table is known from the file's
name (``ssd_involvements.csv``, ``2026-01-31_ssd_cp_visits.csv``) or, failing that, from its
headings (every SSD column starts with its table's prefix: ``invo_``, ``cppv_``). Only the
columns ``ssd.yaml`` names are parsed; every other column — names, dates of birth, UPNs,
addresses, free text — is skipped by the CSV parser itself, so no personal value is ever
held, and worker identifiers and personal advisers' names are pseudonymised as the table is
read, before anything is staged.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import yaml

from etl.check.pseudonym import pseudonym
from etl.check.validate import parse_dates
from etl.read.reader import PERSONAL_DATA_DROPPED
from etl.read.sniff import Source, max_bytes, open_source, refuse_oversize, source_size
from etl.report import FileRejected, Finding
from etl.returns import check_keys
from etl.sources.ssda903 import _header_of

DECLARATION = Path(__file__).with_name("ssd.yaml")
_TABLE_KEYS = {"title", "prefix", "columns", "pseudonymise", "personal"}
_FILL_KEYS = {"needs", "how", "cannot"}
#: A table's name inside a file name: ``ssd_`` and lower-case words.
_NAME = re.compile(r"ssd_[a-z0-9_]+")


@dataclass(frozen=True)
class Table:
    """One SSD table as ``ssd.yaml`` declares it."""

    name: str
    title: str
    prefix: str
    #: our name: the SSD's names for it (the first the specification's, then other builds')
    columns: dict[str, tuple[str, ...]]
    #: our names that an older build may lack
    optional: frozenset[str] = frozenset()
    pseudonymise: tuple[str, ...] = ()
    personal: dict[str, str] = field(default_factory=dict)
    #: one of ``other_tables``: recognised, never parsed, and an extract with it never kept
    unread: bool = False


@dataclass(frozen=True)
class Declaration:
    """``ssd.yaml``: the months a load fills, the case-holding roles, tables and fills."""

    months: int
    case_holding_roles: frozenset[str]
    tables: dict[str, Table]
    #: return: {needs: [tables], how: text, cannot: text}
    fills: dict[str, dict]


def fold_role(text: str) -> str:
    """One spelling per role: ``Allocated  case worker`` and ``ALLOCATED CASE WORKER`` alike."""
    return " ".join(str(text).upper().split())


@cache
def declaration() -> Declaration:
    """``ssd.yaml``, read strictly (an unknown key stops the load, naming it)."""
    where = DECLARATION.name
    body = check_keys(
        where,
        yaml.safe_load(DECLARATION.read_text("utf-8")),
        {"months", "case_holding_roles", "tables", "other_tables", "fills"},
        {"months", "case_holding_roles", "tables", "fills"},
        {"months": int, "case_holding_roles": list, "tables": dict, "fills": dict},
    )
    tables = {}
    for name, item in body["tables"].items():
        item = check_keys(f"{where}: {name}", item, _TABLE_KEYS, {"title", "prefix", "columns"})
        columns = {k.rstrip("?"): tuple(v) for k, v in (item["columns"] or {}).items()}
        tables[name] = Table(
            name=name,
            title=item["title"],
            prefix=item["prefix"],
            columns=columns,
            optional=frozenset(k.rstrip("?") for k in item["columns"] or {} if k.endswith("?")),
            pseudonymise=tuple(item.get("pseudonymise") or ()),
            personal=dict(item.get("personal") or {}),
        )
    for name, prefix in (body.get("other_tables") or {}).items():
        tables[name] = Table(name, name, prefix or "", {}, unread=True)
    for name, item in body["fills"].items():
        check_keys(f"{where}: fills: {name}", item, _FILL_KEYS, _FILL_KEYS)
    return Declaration(
        months=body["months"],
        case_holding_roles=frozenset(fold_role(r) for r in body["case_holding_roles"]),
        tables=tables,
        fills=body["fills"],
    )


def _headings(source: Source) -> list[str]:
    with open_source(source) as fh:
        head = fh.read(1 << 14)
    if head[:4] == b"PK\x03\x04" or b"\x00" in head[:1024]:
        return []
    return [h.strip().lower() for h in _header_of(head)]


def recognise(name: str, source: Source) -> Table | None:
    """The SSD table a CSV is, by its name or else its headings; None for anything else."""
    if not name.lower().endswith((".csv", ".txt")):
        return None
    tables = declaration().tables
    for match in _NAME.finditer(Path(name).stem.lower()):
        # The longest declared name the match starts with: ssd_cin_plans before ssd_cin.
        known = [t for t in tables if match[0] == t or match[0].startswith(f"{t}_")]
        if known:
            return tables[max(known, key=len)]
    try:
        headings = _headings(source)
    except OSError:  # gone, or not a file: the reader gives it its verdict
        return None
    prefixes = {h.split("_", 1)[0] for h in headings if h}
    if len(prefixes) == 1:
        return next((t for t in tables.values() if t.prefix and t.prefix in prefixes), None)
    return None


def zip_members(name: str, source: Source) -> list[tuple[str, bytes]] | None:
    """An SSD extract sent as one zip: its tables as (bare name, bytes); None for any other
    file. Each member is held to the size limit before it is unpacked, and no member is
    written to disk (a zip bomb unpacks no further than the limit)."""
    if not name.lower().endswith(".zip"):
        return None
    try:
        with open_source(source) as fh, zipfile.ZipFile(fh) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            named = [(Path(i.filename).name, i) for i in infos]
            if not named or not all(recognise(n, b"") for n, _ in named):
                return None
            out = []
            for member, info in named:
                refuse_oversize(info.file_size)
                with zf.open(info) as body:
                    data = body.read(max_bytes() + 1)
                refuse_oversize(len(data))  # a member whose header understated its size
                out.append((member, data))
            return out
    except zipfile.BadZipFile:
        return None


@dataclass
class Read:
    """One table's rows: our column names, strings ("" blank), workers pseudonymised."""

    file_name: str
    table: Table
    frame: pd.DataFrame
    _dates: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def dates(self, column: str) -> pd.Series:
        """A column as dates (NaT for blank or not a date), parsed once: several returns
        use the same involvement dates."""
        if column not in self._dates:
            self._dates[column] = parse_dates(self.frame[column])
        return self._dates[column]


def personal_columns(source: Source, table: Table) -> list[str]:
    """The declared personal columns a table's file has (from its headings alone)."""
    headings = _headings(source)
    return [c for c in table.personal if c in headings]


def read_table(file_name: str, source: Source, table: Table) -> Read:
    """The declared columns of one table, parsed by Arrow's CSV reader (all as text); a
    column missing that the dashboard needs refuses the set, naming it."""
    refuse_oversize(source_size(source))
    headings = _headings(source)
    chosen: dict[str, str] = {}
    for ours, names in table.columns.items():
        found = next((h for h in names if h in headings), None)
        if found:
            chosen[ours] = found
        elif ours not in table.optional:
            raise FileRejected(
                Finding(
                    check="ssd_column_missing",
                    message=f"{table.title} ({file_name}) has no column {names[0]}"
                    + (f" (nor {', '.join(names[1:])})" if names[1:] else ""),
                    column=names[0],
                    fix="Export the whole SSD table, with its headings as the SSD names them.",
                )
            )
    # The file's own spelling of each chosen heading (an export may upper-case them).
    with open_source(source) as fh:
        raw = fh.read(1 << 14)
    spelled = {h.strip().lower(): h for h in _header_of(raw)}
    include = [spelled[c] for c in chosen.values()]
    if not include:  # a table the dashboard does not use: not parsed at all
        return Read(file_name, table, pd.DataFrame())
    with open_source(source) as fh:
        arrow = pa_csv.read_csv(
            fh,
            read_options=pa_csv.ReadOptions(use_threads=True, block_size=1 << 24),
            convert_options=pa_csv.ConvertOptions(
                include_columns=include,
                column_types={c: pa.string() for c in include},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    frame = pd.DataFrame(
        {ours: arrow.column(spelled[h]).to_pandas().str.strip() for ours, h in chosen.items()}
    )
    for ours in table.optional - set(chosen):
        frame[ours] = ""
    for ours in table.pseudonymise:
        frame[ours] = pseudonymised(frame[ours])
    return Read(file_name, table, frame)


def pseudonymised(values: pd.Series) -> pd.Series:
    """Every non-blank value replaced by its keyed pseudonym, each distinct value once."""
    distinct = values[values != ""].unique()
    return values.map(dict(zip(distinct, map(pseudonym, distinct), strict=True))).fillna("")


def dropped_findings(files: list[tuple[str, Table, list[str]]]) -> list[Finding]:
    """One note per personal column a table had (file name, table, columns), and per table
    the dashboard does not read: named, never parsed, not stored; and, the file having held
    it (or perhaps held it), never kept (``etl.write.load``)."""
    unread = [
        Finding(
            check=PERSONAL_DATA_DROPPED,
            message=f"{table.name} ({name}): not used by the dashboard; not read, not stored",
        )
        for name, table, _ in files
        if table.unread
    ]
    return unread + [
        Finding(
            check=PERSONAL_DATA_DROPPED,
            message=f"{table.title} ({name}): {column}: {table.personal[column]}; "
            "not read, not stored",
            column=column,
        )
        for name, table, columns in files
        for column in columns
    ]
