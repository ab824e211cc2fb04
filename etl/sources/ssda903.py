"""The SSDA903 tables (the DfE's children looked after return), read as councils export them.

A council exports the 903 as one CSV per table (header, episodes, reviews, missing, OC3,
social worker episodes…) under the DfE's short headings. The tables are read together as one
*set*: the header's dates of birth check the other tables' dates, the episodes give each review
its period of care. What each table is, which of its columns are personal data, which dates and
codes are checked (with the DfE rule number) and which return it fills is declared in
``ssda903_tables.yaml``; this module follows the declaration.

Personal data never goes further than this module: dates of birth are used for the DfE's date
checks and dropped, UPNs and postcodes are dropped unread, social worker IDs are pseudonymised.

A record with an impossible date or a code out of the DfE's list is *set aside* (for the
episodes, reviews and social worker episodes: all of that child's rows in the table, since a
figure is worked out over the child's whole history), named by table, row, column and DfE
rule in the report, and the rest of the set is loaded; why is in ``docs/returns.md``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from etl.check.staging import staged_schema
from etl.check.validate import MonthUnit, check_return, parse_dates
from etl.read.reader import PERSONAL_DATA_DROPPED, RawReturn, pseudonymised
from etl.read.sniff import Source, open_source, refuse_oversize, source_size
from etl.report import EXAMPLE_ROWS, FileRejected, Finding, ValidationReport
from etl.returns import ReturnSpec, check_keys, fold_header, get_return
from etl.sources.annex_a import last_whole_month, month_end
from etl.sources.census import child_reference
from etl.workdays import FIRST_YEAR

DECLARATION = Path(__file__).with_name("ssda903_tables.yaml")
ORIGIN = "ssda903"
_TABLE_KEYS = {
    "title", "signature", "personal", "dates", "codes", "gives", "columns", "pseudonymise", "xml",
}  # fmt: skip
#: A year in a file name (SSDA903_2020_episodes.csv: the year ending 31 March 2020), or a
#: collection year written 2019-20 / 2019_20 / 201920.
_YEAR_IN_NAME = (
    re.compile(r"(?<!\d)(20\d{2})[-_]?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})(?!\d)"),
)


@dataclass(frozen=True)
class Table:
    """One SSDA903 table as ``ssda903_tables.yaml`` declares it."""

    key: str
    title: str
    signature: tuple[str, ...]
    personal: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    #: column: (DfE rule number, the codes allowed)
    codes: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    gives: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    pseudonymise: tuple[str, ...] = ()
    #: the XML layout's element each row is (``HEADER``: the child's own values); None when
    #: the table is not in the XML
    xml: str | None = None

    @property
    def kept(self) -> tuple[str, ...]:
        """The columns the checks and the return use: all a reader need keep of a row."""
        return tuple(dict.fromkeys(("CHILD", *self.columns, *self.dates, *self.codes)))

    @property
    def spec(self) -> ReturnSpec | None:
        return get_return(self.gives) if self.gives else None


@cache
def _body() -> dict:
    where = DECLARATION.name
    body = yaml.safe_load(DECLARATION.read_text("utf-8"))
    body = check_keys(where, body, {"team", "tables", "xml"}, {"team", "tables", "xml"})
    check_keys(f"{where}: xml", body["xml"], {"record", "renamed"})
    return body


@cache
def xml_layout() -> tuple[str, dict[str, str]]:
    """The XML layout's record element (one per child) and its elements named otherwise
    than the CSV headings (element: heading)."""
    layout = _body()["xml"]
    return layout["record"], dict(layout.get("renamed") or {})


@cache
def declaration() -> tuple[str, dict[str, Table]]:
    """The team every set's rows are given, and the declared tables (read strictly)."""
    where = DECLARATION.name
    body = _body()
    tables = {}
    for key, item in body["tables"].items():
        item = check_keys(f"{where}: {key}", item, _TABLE_KEYS, {"title", "signature"})
        spec = get_return(item["gives"]) if item.get("gives") else None
        codes = {}
        for column, (rule, allowed) in (item.get("codes") or {}).items():
            if isinstance(allowed, str):  # a return column: its declared codes
                allowed = spec.column(allowed).codes
            codes[column] = (str(rule), tuple(str(c) for c in allowed))
        tables[key] = Table(
            key=key,
            title=item["title"],
            signature=tuple(item["signature"]),
            personal=dict(item.get("personal") or {}),
            dates={c: str(r) for c, r in (item.get("dates") or {}).items()},
            codes=codes,
            gives=item.get("gives"),
            columns=dict(item.get("columns") or {}),
            pseudonymise=tuple(item.get("pseudonymise") or ()),
            xml=item.get("xml"),
        )
    return body["team"], tables


def _header_of(head: bytes) -> list[str]:
    """The first row of a CSV's first bytes (UTF-8 with or without BOM, else cp1252)."""
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        text = head.decode("cp1252", "replace")
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return []


def recognise(name: str, source: Source) -> Table | None:
    """The 903 table a CSV is, from its headings; None for anything else (a workbook, a
    return, another format: left to the reader)."""
    if name.lower().endswith((".xlsx", ".xlsm", ".xls", ".xml", ".parquet")):
        return None
    try:
        with open_source(source) as fh:
            head = fh.read(1 << 14)
    except OSError:  # gone, or not a file: the reader gives it its verdict
        return None
    if head[:4] == b"PK\x03\x04" or b"\x00" in head[:1024]:
        return None
    folded = {fold_header(h) for h in _header_of(head)}
    for table in declaration()[1].values():
        if {fold_header(s) for s in table.signature} <= folded:
            return table
    return None


def collection_end(names: Iterable[str], as_at: date | None) -> date | None:
    """The last day the set covers: ``as_at`` (an in-year extract's date) if given, else
    31 March of the collection year a file name gives (SSDA903_2020_… is 2019-20)."""
    if as_at is not None:
        return as_at
    for name in names:
        for pattern in _YEAR_IN_NAME:
            match = pattern.search(name)
            if match and len(match.groups()) == 2:
                start, end = int(match[1]), int(match[2])
                if (start + 1) % 100 == end:
                    return date(start + 1, 3, 31)
            elif match:
                return date(int(match[1]), 3, 31)
    return None


def year_unknown() -> FileRejected:
    return FileRejected(
        Finding(
            check="collection_year_known",
            message="These are SSDA903 tables, but the collection year they cover is not known, "
            "so their rows cannot be put in months (the tables do not say it)",
            fix="Which year is it? Put the year it ends in the file names (e.g. "
            "SSDA903_2020_episodes.csv for April 2019 – March 2020), or give the extract's date "
            "with --as-at 2020-03-31 on the command line or on the upload form.",
        )
    )


def _months(end: date) -> list[date]:
    """The months a set fills: from April of its collection year to the last whole month."""
    last = last_whole_month(end)
    first = date(end.year - (end.month < 4), 4, 1)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


@dataclass
class TableRead:
    """One table's rows as read: strings, stripped, its spreadsheet row numbers kept."""

    name: str
    table: Table
    frame: pd.DataFrame
    dates: dict[str, pd.Series] = field(default_factory=dict)  # parsed, NaT when not a date
    aside: pd.Series = None  # rows set aside
    used: int = 0
    #: the declared personal columns the table held (named in the report, never stored)
    personal_seen: list[str] = field(default_factory=list)
    #: findings name each row's child, not its row (a table read from the XML has no rows)
    by_child: bool = False

    @property
    def dropped(self) -> list[str]:
        return [f"{c} ({self.table.personal[c].split(' — ')[0]})" for c in self.personal_seen]


class _Findings:
    """Set-aside records, one finding per table, column and rule, by row."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str, str], tuple[bool, list[int]]] = {}

    def add(
        self,
        read: TableRead,
        column: str,
        rule: str,
        what: str,
        rows: pd.Series,
        aside: bool = True,
    ) -> None:
        """Name the rows where ``rows`` holds; ``aside=False``: a note, the rows still used."""
        rows = rows.fillna(False).astype(bool)
        if not rows.any():
            return
        key = (read.table.key, column, rule, what)
        numbers = (read.frame.index[rows] + 2).tolist()
        _, held = self.items.setdefault(key, (aside, []))
        held.extend(numbers)

    def findings(self, reads: dict[str, TableRead]) -> list[Finding]:
        out = []
        for (key, column, rule, what), (aside, rows) in self.items.items():
            read = reads[key]
            rows = sorted(set(rows))
            examples = rows[:EXAMPLE_ROWS]
            by_rule = f" (DfE rule {rule})" if rule else ""
            then = f"; {_aside_words(read.table)}" if aside else ""
            if read.by_child:  # a row number means nothing in an XML file: its child does
                children = read.frame["CHILD"].iloc[[r - 2 for r in examples]]
                more = "…" if len(rows) > len(examples) else ""
                named = zip(children, examples, strict=True)
                then += " — " + ", ".join(f"child {child_reference(c, r - 1)}" for c, r in named)
                then, examples = then + more, []
            out.append(
                Finding(
                    check=f"ssda903_rule_{rule}" if rule else "ssda903_set_aside",
                    message=f"{read.table.title} ({read.name}): {column} {what}{by_rule}{then}",
                    column=column,
                    rows_affected=len(rows),
                    example_rows=examples,
                    fix="Correct the record in the case management system and export the "
                    "tables again; until then it is in no figure.",
                )
            )
        return out


def _aside_words(table: Table) -> str:
    if table.key in _WHOLE_CHILD:
        return "each such child's rows in this table are set aside, not counted"
    return "each such row is set aside, not counted"


#: Tables whose figures are worked out over a child's whole history: a bad row sets aside
#: every row of that child in the table (a placement count missing one episode is wrong).
_WHOLE_CHILD = frozenset({"episodes", "reviews", "sw_episodes"})


def _read(name: str, source: Source, table: Table) -> TableRead:
    refuse_oversize(source_size(source))
    with open_source(source) as fh:
        frame = pd.read_csv(
            fh, dtype="str", keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    frame = frame.apply(lambda s: s.str.strip())
    missing = [c for c in (*table.columns, *table.dates, *table.codes) if c not in frame]
    missing = [c for c in missing if c not in ("PLACE",)]  # blank for a legal change
    if missing:
        raise FileRejected(
            Finding(
                check="ssda903_columns",
                message=f"{name} is the SSDA903 {table.title} table but has no column "
                f"{', '.join(missing)}",
                fix="Export the table again with all the DfE's columns.",
            )
        )
    seen = [c for c in table.personal if c in frame]
    return TableRead(
        name, table, frame, aside=pd.Series(False, index=frame.index), personal_seen=seen
    )


def _check_codes_and_dates(read: TableRead, found: _Findings, end: date) -> None:
    """The declared dates (a real date, in the years the dashboard holds, not after the
    set's last day) and codes (in the DfE's list) of one table."""
    frame, table = read.frame, read.table
    spec = table.spec
    no_child = frame["CHILD"] == ""
    found.add(read, "CHILD", "", "is blank: the row belongs to no child", no_child)
    read.aside |= no_child
    for column, rule in table.dates.items():
        if column not in frame:
            continue
        parsed = parse_dates(frame[column])
        text = frame[column]
        required = column == "DOB" or bool(
            spec and column in table.columns and spec.column(table.columns[column]).required
        )
        bad = (text != "") & parsed.isna()
        if required:
            bad |= text == ""
        found.add(
            read, column, rule, "is not a valid date" + (" or is blank" if required else ""), bad
        )
        late = parsed > pd.Timestamp(end)
        found.add(
            read,
            column,
            _LATE_RULES.get(column, ""),
            f"is after {end:%-d %B %Y}, the last day the tables cover: an impossible date",
            late,
        )
        early = parsed < pd.Timestamp(FIRST_YEAR, 1, 1)
        found.add(
            read,
            column,
            "",
            f"is before 1 January {FIRST_YEAR}, which the dashboard does not hold",
            early,
        )
        read.aside |= bad | late | early
        read.dates[column] = parsed.mask(bad | late | early)
    for column, (rule, allowed) in table.codes.items():
        if column not in frame:
            continue
        text = frame[column].str.upper()
        frame[column] = text
        required = bool(spec and spec.column(table.columns[column]).required)
        bad = ~text.isin(allowed) & ((text != "") | required)
        listed = ", ".join(allowed[:14]) + ("…" if len(allowed) > 14 else "")
        found.add(read, column, rule, f"is not a valid code (the DfE's list: {listed})", bad)
        read.aside |= bad


#: DfE rules for a date after the end of the collection year, where the DfE numbers one.
_LATE_RULES = {
    "DEC": "354",
    "DOB": "301",
    "MIS_START": "570",
    "MIS_END": "571",
    "SW_DEC": "SW07STG2",
}


def _child_mask(read: TableRead, children: pd.Index | set) -> pd.Series:
    return read.frame["CHILD"].isin(children)


def _episode_rules(read: TableRead, found: _Findings, dob: pd.Series) -> None:
    """Episodes: ends before it starts (356), starts before the child was born (302), starts
    before the previous episode ended (501)."""
    start, end = read.dates["DECOM"], read.dates.get("DEC")
    reversed_ = end.notna() & start.notna() & (end < start)
    found.add(read, "DEC", "356", "is before the episode's start (DECOM)", reversed_)
    born = _born(read, dob)
    before_birth = born.notna() & start.notna() & (start < born)
    found.add(read, "DECOM", "302", "is before the child's date of birth", before_birth)
    order = pd.DataFrame({"child": read.frame["CHILD"], "start": start, "end": end})
    order = order.sort_values(["child", "start"])
    prev_end = order.groupby("child")["end"].shift()
    prev_open = order.groupby("child")["end"].shift().isna() & order.duplicated("child")
    overlap = (prev_end.notna() & (order["start"] < prev_end)) | prev_open
    found.add(
        read,
        "DECOM",
        "501",
        "starts before the child's previous episode ended",
        overlap.reindex(read.frame.index),
    )
    read.aside |= reversed_ | before_birth | overlap.reindex(read.frame.index).fillna(False)


def _born(read: TableRead, dob: pd.Series) -> pd.Series:
    """Each row's child's date of birth from the header (NaT when the header is not in the set)."""
    born = pd.Series(pd.NaT, index=read.frame.index, dtype="datetime64[ns]")
    if len(dob):
        born = pd.to_datetime(read.frame["CHILD"].map(dob.to_dict()))
    return born


def _missing_rules(read: TableRead, found: _Findings, dob: pd.Series) -> None:
    start, end = read.dates["MIS_START"], read.dates.get("MIS_END")
    reversed_ = end.notna() & start.notna() & (end < start)
    found.add(read, "MIS_END", "", "is before the missing episode began (MIS_START)", reversed_)
    born = _born(read, dob)
    before_birth = born.notna() & start.notna() & (start < born)
    found.add(read, "MIS_START", "586", "is before the child's date of birth", before_birth)
    read.aside |= reversed_ | before_birth


def _sw_rules(read: TableRead, found: _Findings) -> None:
    start, end = read.dates["SW_DECOM"], read.dates.get("SW_DEC")
    reversed_ = end.notna() & start.notna() & (end < start)
    found.add(read, "SW_DEC", "", "is before the social worker episode began (SW_DECOM)", reversed_)
    read.aside |= reversed_


def _whole_child(read: TableRead) -> None:
    if read.table.key in _WHOLE_CHILD:
        bad = set(read.frame.loc[read.aside, "CHILD"])
        read.aside |= _child_mask(read, bad)


def _iso(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("")


def _base_rows(read: TableRead, team: str, end: date) -> pd.DataFrame:
    """The rows a table gives its return (strings, canonical columns), set-aside rows out."""
    table, keep = read.table, ~read.aside
    out = pd.DataFrame(index=read.frame.index[keep])
    for source_column, column in table.columns.items():
        if source_column in read.dates:
            out[column] = _iso(read.dates[source_column][keep])
        elif source_column in read.frame:
            out[column] = read.frame.loc[keep, source_column]
        else:
            out[column] = ""
    out["team"] = team
    if table.key == "oc3":
        out["activity"] = out["activity"].replace("0", "")
        out["accommodation_suitability"] = (
            out["accommodation_suitability"].str[-1:].map({"1": "SUITABLE", "2": "UNSUITABLE"})
        ).fillna("")
        out["as_at_date"] = month_end(last_whole_month(end)).isoformat()
        out["personal_advisor_id"] = ""
        out["pathway_plan_review_date"] = ""
    if table.key == "sw_episodes":
        out["plan_type"] = "CLA"
    return out


def _reviews(read: TableRead, episodes: TableRead, found: _Findings) -> pd.DataFrame:
    """Each review with its period of care (the latest episode with reason S on or before it),
    its number in that period and the review before it: the statutory timescale that
    applies is decided by them (``metrics/kpis/looked_after.yaml``)."""
    keep = ~read.aside
    reviews = pd.DataFrame(
        {"child_id": read.frame["CHILD"], "review": read.dates["REVIEW"], "row": read.frame.index}
    )[keep]
    ok = ~episodes.aside & (episodes.frame["RNE"] == "S")
    starts = pd.DataFrame(
        {"child_id": episodes.frame.loc[ok, "CHILD"], "start": episodes.dates["DECOM"][ok]}
    )
    merged = pd.merge_asof(
        reviews.sort_values("review"),
        starts.dropna().sort_values("start"),
        left_on="review",
        right_on="start",
        by="child_id",
    ).set_index("row")
    unplaced = merged["start"].isna().reindex(read.frame.index).fillna(False)
    found.add(
        read,
        "REVIEW",
        "",
        "has no period of care in the episodes table (no episode with "
        "reason S on or before it), so its timescale is not known",
        unplaced,
    )
    read.aside |= unplaced
    merged = merged[merged["start"].notna()].sort_values(["child_id", "start", "review"])
    period = merged.groupby(["child_id", "start"])
    out = pd.DataFrame(
        {
            "child_id": merged["child_id"],
            "team": declaration()[0],
            "period_start": _iso(merged["start"]),
            "review_date": _iso(merged["review"]),
            "previous_review_date": _iso(period["review"].shift()),
            "review_number": (period.cumcount() + 1).astype(str),
            "participation": read.frame.loc[merged.index, "REVIEW_CODE"],
        },
        index=merged.index,
    )
    return out.sort_index()


def _duplicates(read: TableRead, found: _Findings, key: list[str], column: str) -> None:
    """A second row with the same key (the return's ``unique`` columns): set aside."""
    values = pd.DataFrame({k: read.dates.get(k, read.frame[k]) for k in key})
    twice = values.duplicated(keep=False) & ~read.aside
    found.add(read, column, "", "repeats another row's " + " and ".join(key), twice)
    read.aside |= twice


def _month_rows(
    spec: ReturnSpec, typed: pd.DataFrame, month: date, codes: np.ndarray
) -> pd.DataFrame:
    """A return's rows for one month, as known at its end (a later end date is blanked).

    ``codes`` numbers each row's child (``pd.factorize``), so "this child is open at month
    end" is an array lookup, not a string search, twelve times over 100,000 rows.
    """
    end = np.datetime64(month_end(month), "ns")
    if spec.name in ("looked_after", "allocations"):
        first, last = _SPANS[spec.name]
        starts, ends = typed[first].to_numpy(), typed[last].to_numpy()
        begun, ended = starts <= end, ~np.isnat(ends)
        # An episode ceased on the month's last day has ended by its end; an allocation
        # holds through its last day.
        if spec.name == "looked_after":
            current = begun & (~ended | (ends > end))
        else:
            current = begun & (~ended | (ends >= end))
        open_child = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=bool)
        open_child[codes[current]] = True
        window = np.datetime64(pd.Timestamp(month) - pd.DateOffset(months=11), "ns")
        keep = open_child[codes] & begun & (~ended | (ends >= window))
        rows = typed[keep].copy()
        rows.loc[rows[last] > end, last] = pd.NaT
        return rows
    if spec.name == "cla_reviews":
        return typed[typed["review_date"].between(pd.Timestamp(month), end)]
    if spec.name == "missing_episodes":
        rows = typed[typed["missing_from"].between(pd.Timestamp(month), end)].copy()
        rows.loc[rows["missing_to"] > end, "missing_to"] = pd.NaT
        return rows
    return typed  # care leavers: the position at the last month's end


#: Where each span's dates are, for the returns whose rows are spans open at month end.
_SPANS = {
    "looked_after": ("episode_start", "episode_end"),
    "allocations": ("allocated_from", "allocated_to"),
}


def digest(named: list[tuple[str, Source, str]]) -> str:
    """One sha256 for a set: each file's, in name order."""
    return hashlib.sha256("".join(sorted(f"{n}:{d}" for n, _, d in named)).encode()).hexdigest()


def check_set(
    files: list[tuple[str, Source]], as_at: date | None, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    """Check an SSDA903 set (one or more tables) and cut the returns it fills into months.

    Refused as a whole (nothing loaded) only when it cannot be read as a set: its year not
    known, a table twice, a table without its columns, nothing in it that fills a return.
    A bad record is set aside and named; the rest is loaded.
    """
    by_table: dict[str, TableRead] = {}
    for name, source in files:
        add_table(by_table, _read(name, source, recognise(name, source)))
    end = collection_end([n for n, _ in files], as_at)
    if end is None:
        raise year_unknown()
    return check_tables(" + ".join(name for name, _ in files), by_table, end, stage)


def add_table(by_table: dict[str, TableRead], read: TableRead) -> None:
    """A table read into the set; a second of the same table refuses the set."""
    table = read.table
    if table.key in by_table:
        raise FileRejected(
            Finding(
                check="ssda903_table_twice",
                message=f"Two files are the SSDA903 {table.title} table: "
                f"{by_table[table.key].name} and {read.name}",
                fix="Send one file per table: the tables of one year's return together.",
            )
        )
    by_table[table.key] = read


def check_tables(
    label: str, by_table: dict[str, TableRead], end: date, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    """The tables of a set as read (from CSVs or the XML, by table), checked and cut into
    months to ``end``, the set's last day (``check_set``)."""
    team, declared = declaration()
    found = _Findings()
    for read in by_table.values():
        _check_codes_and_dates(read, found, end)
    dob = pd.Series(dtype="datetime64[ns]")
    header = by_table.get("header")
    if header is not None:
        # The latest date of birth a child's header rows give: the strictest check.
        dob = header.dates["DOB"].groupby(header.frame["CHILD"]).max()
        twice = header.frame["CHILD"].duplicated(keep=False)
        found.add(
            header,
            "CHILD",
            "",
            "appears on more than one row (the header holds one "
            "row per child); the latest date of birth is the one checked",
            twice,
        )
        bad_children = set(header.frame.loc[header.aside, "CHILD"])
        for read in by_table.values():
            if read is not header:
                gone = _child_mask(read, bad_children) & ~read.aside
                found.add(
                    read,
                    "CHILD",
                    "",
                    "has a header row whose date of birth is not valid or is after the year's end",
                    gone,
                )
                read.aside |= gone
    if "episodes" in by_table:
        _episode_rules(by_table["episodes"], found, dob)
        _duplicates(by_table["episodes"], found, ["CHILD", "DECOM"], "DECOM")
    if "missing" in by_table:
        _missing_rules(by_table["missing"], found, dob)
        _duplicates(by_table["missing"], found, ["CHILD", "MIS_START"], "MIS_START")
    if "sw_episodes" in by_table:
        _sw_rules(by_table["sw_episodes"], found)
    if "oc3" in by_table:
        _duplicates(by_table["oc3"], found, ["CHILD"], "CHILD")
    if "reviews" in by_table:
        _duplicates(by_table["reviews"], found, ["CHILD", "REVIEW"], "REVIEW")
    for read in by_table.values():
        _whole_child(read)
    months = _months(end)
    frames: dict[str, tuple[TableRead, pd.DataFrame]] = {}
    problems: list[Finding] = []
    for read in by_table.values():
        if read.table.key == "reviews":
            if "episodes" not in by_table:
                problems.append(
                    Finding(
                        check="ssda903_needs_episodes",
                        message=f"{read.name}: the Reviews table is read with the Episodes "
                        "table, which gives each review its period of care (the first review "
                        "is due 20 working days after a child becomes looked after, the second "
                        "3 months after the first, then every 6 months)",
                        fix="Load the Reviews table together with the Episodes table of the "
                        "same year (both files at once).",
                    )
                )
                continue
            frames["cla_reviews"] = (read, _reviews(read, by_table["episodes"], found))
        elif read.table.gives:
            frames[read.table.gives] = (read, _base_rows(read, team, end))
    warnings = found.findings(by_table)
    for read in by_table.values():
        for column in read.personal_seen:
            warnings.append(
                Finding(
                    check=PERSONAL_DATA_DROPPED,
                    message=f"{read.table.title} ({read.name}): {column}: "
                    f"{read.table.personal[column]}; not stored",
                    column=column,
                )
            )
    if not frames and not problems:
        names = ", ".join(sorted(t.title for t in declared.values() if t.gives))
        problems.append(
            Finding(
                check="ssda903_nothing_filled",
                message=f"{label}: no table in this set fills a figure on the dashboard "
                f"(the tables that do: {names})",
                fix="Load these tables together with the Episodes table of the same year.",
            )
        )
    units: list[MonthUnit] = []
    lines: list[str] = []
    if not problems:
        for name, (read, rows) in frames.items():
            spec = get_return(name)
            typed, checked_problems, checked_warnings = _check(spec, read, rows, months, stage)
            problems += checked_problems
            warnings += checked_warnings
            if typed is None:
                continue
            filled = months if name != "care_leavers" else months[-1:]
            codes = pd.factorize(typed["child_id"])[0]
            for month in filled:
                part = _month_rows(spec, typed, month, codes)
                path = stage / f"{name}-{month:%Y-%m}.parquet"
                table = pa.Table.from_pandas(part, schema=staged_schema(spec), preserve_index=False)
                pq.write_table(table, path)
                units.append(MonthUnit(spec, month, path, len(part), origin=ORIGIN))
            read.used = int((~read.aside).sum())
    for read in by_table.values():
        lines.append(_line(read, months if read.table.gives != "care_leavers" else months[-1:]))
    if problems:
        units = []
    return (
        ValidationReport(
            file_name=label,
            return_type=ORIGIN,
            rows=sum(u.rows for u in units),
            problems=problems,
            warnings=warnings,
            lists=lines,
        ),
        units,
    )


def _check(
    spec: ReturnSpec, read: TableRead, rows: pd.DataFrame, months: list[date], stage: Path
) -> tuple[pd.DataFrame | None, list[Finding], list[Finding]]:
    """A return's rows through its own checks and Great Expectations suite, once for the
    whole year; the typed rows back (None if refused)."""
    folder = stage / spec.name
    folder.mkdir()
    if rows.empty and len(read.frame):
        refusal = Finding(
            check="ssda903_all_set_aside",
            message=f"{read.table.title} ({read.name}): every one of its {len(read.frame):,} "
            "rows is set aside (the findings below say why), so it would fill the months with "
            "nothing: the set is refused rather than show none where there were some",
            fix="Correct the records and export the tables again.",
        )
        return None, [refusal], []
    if rows.empty:  # an empty table: none happened (no child went missing all year)
        return staged_schema(spec).empty_table().to_pandas(), [], []
    rows = rows[[c.name for c in spec.columns if c.name in rows]]
    raw = RawReturn(f"{read.name}", spec, months[-1], iter(()), [])
    raw.chunks = pseudonymised(
        iter([rows]), raw, [read.table.columns[c] for c in read.table.pseudonymise]
    )
    checked = check_return(raw, folder)
    if not checked.report.accepted:
        return None, _named(read, checked.report.problems), []
    # A blank end date or a column the 903 does not carry is how the tables are, not news.
    warnings = [w for w in checked.report.warnings if w.check != "optional_blank"]
    return pd.read_parquet(checked.staged), [], _named(read, warnings)


def _named(read: TableRead, findings: list[Finding]) -> list[Finding]:
    for f in findings:
        f.message = f"{read.table.title} ({read.name}): {f.message}"
    return findings


def _line(read: TableRead, months: list[date]) -> str:
    """A table's line in the report: rows read, used, set aside, what it filled."""
    rows = len(read.frame)
    aside = int(read.aside.sum())
    dropped = f"; personal data dropped: {', '.join(read.dropped)}" if read.dropped else ""
    head = f"{read.table.title} ({read.name})"
    if not read.table.gives:
        use = (
            "checked dates of birth" if read.table.key == "header" else "not used by the dashboard"
        )
        return f"{head}: {rows:,} rows read, {use}{dropped}"
    span = f"{months[0]:%B %Y}" if len(months) == 1 else f"{months[0]:%B %Y} – {months[-1]:%B %Y}"
    return (
        f"{head} → {read.table.gives}: {rows:,} rows read, {aside:,} set aside, "
        f"months {span}{dropped}"
    )
