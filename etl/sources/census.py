"""The DfE's census XML files (children in need, workforce), recognised and checked as a whole.

A census file is not one return for one month: it fills several returns over the months of
its year. This module does what both censuses share — recognise the file from its first
bytes, read its header (collection, year, reference date, the council's LEA number), check
the LEA against the council's ``la_code``, and turn each return's rows into checked,
month-by-month units for the loader — and hands the records to the collection's own module
(``cin_census``, ``csww``), which follows its YAML declaration.

Every census file carries personal data (UPNs, dates of birth, names' stand-ins such as
Social Work England numbers): the report always says so with a ``personal_data_dropped``
finding, so the loader never keeps the original, loaded or refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from lxml import etree

from etl.check.identifiers import is_nhs_number, is_upn_shaped
from etl.check.validate import MonthUnit, check_return, staged_schema
from etl.read.reader import PERSONAL_DATA_DROPPED, RawReturn, pseudonymised
from etl.read.sniff import Source, open_source
from etl.read.xml_safe import PROLOG_BYTES, iter_records, local, text_of
from etl.report import EXAMPLE_ROWS, FileRejected, Finding, ValidationReport
from etl.returns import MonthSplit, ReturnSpec
from etl.sources.annex_a import last_whole_month, split_months

DECLARATIONS = Path(__file__).resolve().parent
_COLLECTION = re.compile(rb"<(?:\w+:)?Collection>\s*(\w+)\s*<")
#: Elements that say which census a file is when its header does not (first match wins).
_SIGNS = ((rb"CINdetails", "CIN"), (rb"ChildIdentifiers", "CIN"), (rb"CSWWWorker", "CSWW"))
#: What each collection is called in a report, and the element each record is.
COLLECTIONS = {
    "CIN": ("children in need census", "Child"),
    "CSWW": ("children's social work workforce census", "CSWWWorker"),
}


@cache
def declaration(name: str) -> dict:
    """A census's YAML declaration (``etl/sources/<name>.yaml``)."""
    return yaml.safe_load((DECLARATIONS / f"{name}.yaml").read_text("utf-8"))


def sniff(head: bytes) -> str | None:
    """ "CIN" or "CSWW" when the file's first bytes are a census of that collection, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    said = _COLLECTION.search(head)
    if said and said[1].decode("ascii", "replace").upper() in COLLECTIONS:
        return said[1].decode("ascii").upper()
    return next((what for sign, what in _SIGNS if sign in head), None)


@dataclass
class Header:
    """What a census's header says; ``from_element`` fills it as the header is read."""

    collection: str = ""
    year: int | None = None
    reference_date: date | None = None
    lea: str = ""

    def take(self, element: etree._Element) -> None:
        values = text_of(element)
        if local(element.tag) == "CollectionDetails":
            self.collection = values.get("Collection", "").upper()
            year = values.get("Year", "")
            self.year = int(year) if year.isdigit() else None
            self.reference_date = parse_date(values.get("ReferenceDate", ""))
        else:
            self.lea = values.get("LEA", "")


def parse_date(text: str) -> date | None:
    """An XML date (``2021-05-31``, perhaps with a zone) as a date; None if not a real date."""
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def refuse(check: str, message: str, fix: str) -> FileRejected:
    return FileRejected(Finding(check=check, message=message, fix=fix))


def check_header(header: Header, expected: str) -> date:
    """The census's reference date, once its header is known to be whole and the council's."""
    what, _ = COLLECTIONS[expected]
    if header.collection and header.collection != expected:
        raise wrong_collection(expected, header.collection)
    if header.reference_date is None:
        raise refuse(
            "census_header",
            f"The {what}'s header has no ReferenceDate (or not a real date), so the months "
            "it covers are not known",
            "Export the census again: its header must hold Year and ReferenceDate.",
        )
    spec = declaration("cin_census" if expected == "CIN" else "csww")
    first, last = spec["first_year"], spec["last_year"]
    if header.year is None or not first <= header.year <= last:
        raise refuse(
            "census_header",
            f"The {what}'s header Year is missing or outside the years the dashboard reads "
            f"({first}–{last})",
            "Export the census again from the case management system, with its header.",
        )
    check_lea(header.lea, what)
    return header.reference_date


def wrong_collection(expected: str, found: str) -> FileRejected:
    said = COLLECTIONS.get(found, (f"'{found}' collection", ""))[0]
    return refuse(
        "census_collection",
        f"The file starts as a {COLLECTIONS[expected][0]} but holds the {said}'s records "
        "(its header and its contents disagree)",
        "Export the census again; each census is a file of its own.",
    )


def check_lea(lea: str, what: str) -> None:
    """Refuse a census of another council: its ``<LEA>`` must be the council's ``la_code``."""
    # Imported here: the council's settings live in metrics (as etl.write.retention reads them).
    from metrics.config import load_config

    config = load_config()
    if config.la_code and lea.strip() != str(config.la_code).strip():
        raise refuse(
            "census_council",
            f"This {what} is for LA {lea or '(none given)'} (its header's LEA), but this "
            f"dashboard is for {config.council_name}, LA {config.la_code}",
            "Load the census this council exported; if la_code in config/council.yaml is "
            "wrong, an administrator corrects it on the Council settings page.",
        )


def child_reference(value: str, position: int) -> str:
    """How a report names a record: its own pseudonymous ID, unless that ID looks like a
    UPN or an NHS number (then only its position in the file, as such IDs are never shown)."""
    if not value or is_upn_shaped(value) or is_nhs_number(value):
        return f"record {position:,} in the file"
    return value[:40]


@dataclass
class SetAside:
    """Records left out for an impossible date, grouped by what is wrong (one finding each)."""

    found: dict[tuple[str, str], list] = field(default_factory=dict)  # (message, rule) → refs

    def add(self, message: str, rule: str, column: str, ref: str) -> None:
        entry = self.found.setdefault((message, rule), [column, 0, []])
        entry[1] += 1
        if len(entry[2]) < EXAMPLE_ROWS:
            entry[2].append(ref)

    def findings(self, unit: str, fix: str) -> list[Finding]:
        out = []
        for (message, rule), (column, count, refs) in self.found.items():
            named = f" (DfE validation rule {rule})" if rule else ""
            more = "…" if count > len(refs) else ""
            out.append(
                Finding(
                    check="record_set_aside",
                    message=f"{message}{named}: {count:,} {unit}(s) set aside and not counted"
                    f" — {', '.join(refs)}{more}",
                    column=column,
                    fix=fix,
                )
            )
        return out


def personal_finding(present: set[str]) -> Finding:
    """The census's personal data, named by element (never quoted). Given for every census,
    whatever was found: such a file is never kept, loaded or refused."""
    elements = ", ".join(sorted(present)) or "none found before it was refused"
    return Finding(
        check=PERSONAL_DATA_DROPPED,
        message="A census file holds personal data; read past and never stored: "
        f"{elements}. The original file is never kept",
    )


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 child``, ``2 children``: a count and its noun."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def period_months(reference_date: date) -> tuple[date, date]:
    """The first and last month a census fills: from 1 April of its year (the census year
    runs April to March) to the last month its reference date covers to its end."""
    start_year = reference_date.year if reference_date.month >= 4 else reference_date.year - 1
    return date(start_year, 4, 1), last_whole_month(reference_date)


@dataclass
class ReturnRows:
    """One return's rows as a census gives them (strings), and the reference of each row."""

    spec: ReturnSpec
    rows: list[dict[str, str]] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    #: child IDs as the identifier checks left them (``clean_ids``), if they were checked
    cleaned: dict[str, str] | None = None

    @property
    def given(self) -> set[str]:
        """The columns the census gives (a column it never has is not "left blank")."""
        return {column for row in self.rows[:1] for column in row}

    def frame(self) -> pd.DataFrame:
        # Column by column: a frame made from a list of dicts works each row out in Python.
        columns = {c: [row.get(c, "") for row in self.rows] for c in self.spec.column_names}
        frame = pd.DataFrame(columns, dtype="str").fillna("")
        if self.cleaned is not None:
            frame["child_id"] = frame["child_id"].map(self.cleaned)
        return frame


def clean_ids(
    file_name: str, spec: ReturnSpec, column: str, ids: list[str]
) -> tuple[dict[str, str], list[Finding]]:
    """Each distinct ID once through the loader's identifier checks (``pseudonymised``): a
    UPN or NHS number refuses the file, invisible characters go, an ID shaped like a name
    becomes a keyed pseudonym. Once per child, not once per row of every return."""
    unique = list(dict.fromkeys(ids))
    frame = pd.DataFrame(dict.fromkeys(spec.column_names, ""), index=range(len(unique)))
    frame[column] = unique
    raw = RawReturn(file_name, spec, None, iter(()))
    try:
        [out] = list(pseudonymised(iter([frame]), raw))
    except FileRejected as exc:  # its rows would be positions in a list of IDs: left out
        raise FileRejected(replace(exc.finding, example_rows=[])) from None
    return dict(zip(unique, out[column], strict=True)), raw.warnings


def checked_units(
    file_name: str,
    parts: list[ReturnRows],
    stage: Path,
    months: Callable[[ReturnSpec, pd.DataFrame], Iterator[tuple[date, pd.DataFrame]]],
    origin: str,
) -> tuple[list[Finding], list[Finding], list[MonthUnit]]:
    """Check each return's rows (types, identifiers, expectation suite) and cut the typed
    rows into the months ``months`` gives: problems, warnings and the units to load.

    A finding that names rows names the records instead (a census has no rows to open).
    """
    problems: list[Finding] = []
    warnings: list[Finding] = []
    units: list[MonthUnit] = []
    for part in parts:
        if part.rows:
            folder = stage / part.spec.name
            folder.mkdir()
            label = f"{file_name} · {part.spec.name}"
            raw = RawReturn(label, part.spec, None, iter([part.frame()]))
            checked = check_return(raw, folder)
            problems += [_by_record(f, part) for f in checked.report.problems]
            warnings += [
                _by_record(f, part)
                for f in checked.report.warnings
                if not (f.check == "optional_blank" and f.column not in part.given)
            ]
            if checked.report.problems:
                continue
            typed = pd.read_parquet(checked.staged)
        else:  # none in the file: every month filled with none (none happened)
            typed = staged_schema(part.spec).empty_table().to_pandas()
        for month, rows in months(part.spec, typed):
            path = stage / f"{part.spec.name}-{month:%Y-%m}.parquet"
            table = pa.Table.from_pandas(
                rows, schema=staged_schema(part.spec), preserve_index=False
            )
            pq.write_table(table, path)
            units.append(MonthUnit(part.spec, month, path, len(rows), origin=origin))
    return problems, warnings, units


def _by_record(finding: Finding, part: ReturnRows) -> Finding:
    """A finding's example rows given as the records' references (row i is record i - 2)."""
    if not finding.example_rows:
        return finding
    refs = [part.refs[r - 2] for r in finding.example_rows if 0 <= r - 2 < len(part.refs)]
    return Finding(
        check=finding.check,
        message=f"{part.spec.name}: {finding.message} — {', '.join(refs)}",
        column=finding.column,
        rows_affected=finding.rows_affected,
        fix=finding.fix,
    )


def split_period(first: date, last: date, splits: dict[str, MonthSplit]) -> Callable:
    """Months of a census period: a return's rows in each month its split (``splits``, by
    return name) puts them."""

    def months(spec: ReturnSpec, typed: pd.DataFrame) -> Iterator[tuple[date, pd.DataFrame]]:
        return split_months(typed, splits[spec.name], last, first_month=first)

    return months


def head_of(source: Source) -> bytes:
    with open_source(source) as fh:
        return fh.read(PROLOG_BYTES)


def records(source: Source, expected: str, header: Header) -> Iterator[etree._Element]:
    """The census's records, its header read into ``header`` first; a record of the other
    collection refuses the file (a workforce census where a CIN census was expected)."""
    mine = COLLECTIONS[expected][1]
    others = tuple(tag for code, (_, tag) in COLLECTIONS.items() if code != expected)
    tags = ("CollectionDetails", "Source", mine, *others)
    for element in iter_records(source, tags):
        tag = local(element.tag)
        if tag in ("CollectionDetails", "Source"):
            if local(element.getparent().tag) in ("Header", "Message"):
                header.take(element)
            continue
        if tag != mine:
            code = next(c for c, (_, t) in COLLECTIONS.items() if t == tag)
            raise wrong_collection(expected, code)
        yield element


def refused_report(name: str, kind: str, finding: Finding, present: set[str]) -> ValidationReport:
    """A refused census's report: why, and what personal data it held (so it is never kept)."""
    return ValidationReport(
        file_name=name, return_type=kind, problems=[finding], warnings=[personal_finding(present)]
    )
