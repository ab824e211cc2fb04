"""The SSDA903 return as one XML file: the same tables, read through the same declaration.

Some case management systems export the 903 as XML (the layout Data to Insight's validator
reads): one ``<CHILD>`` per child, its ``<HEADER>`` holding the child's own values with its
reviews, missing episodes and other rows nested in it, and one ``<EPISODE>`` per episode.
Each value is the element named as the CSV heading, so ``ssda903_tables.yaml`` says which
element each table's rows are (its ``xml`` key) and which names differ (``xml: renamed``);
the tables read here are then checked, set aside and cut into months by
``etl.sources.ssda903.check_tables``, exactly as the CSVs are.

The file is read safely and streamed (``etl.read.xml_safe``: no DTD, no entities, no network,
one child held at a time). Only the columns a table's checks and return use are kept of a
row (``Table.kept``): UPNs, postcodes and the mother's child's date of birth are read past,
never held; a date of birth only as the header table's, for the DfE's date checks, as the
CSV's is. The report names each personal element the file held, so it is never kept.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
from lxml import etree

from etl.check.validate import MonthUnit
from etl.read.reader import PERSONAL_DATA_DROPPED
from etl.read.sniff import Source
from etl.read.xml_safe import PROLOG_BYTES, iter_records, local
from etl.report import FileRejected, Finding, ValidationReport
from etl.sources.census import Header, check_lea, head_of
from etl.sources.ssda903 import (
    ORIGIN,
    Table,
    TableRead,
    add_table,
    check_tables,
    collection_end,
    declaration,
    digest,
    xml_layout,
    year_unknown,
)

__all__ = ["ORIGIN", "check_set", "digest", "recognise"]

#: A 903 XML's first bytes: a CHILD record with a HEADER or an EPISODE (upper case: the CIN
#: census's records are <Child>), or a header naming the collection.
_RECORD = re.compile(rb"<(?:\w+:)?CHILD[\s>]")
_PART = re.compile(rb"<(?:\w+:)?(?:HEADER|EPISODE|CHILDID)[\s>]")
_COLLECTION = re.compile(rb"<(?:\w+:)?Collection>\s*SSDA903\s*<", re.I)
#: The header's elements (the DfE's collection header, when the export has one).
_HEADER_PARTS = ("CollectionDetails", "Source")


def recognise(name: str, source: Source) -> Table | None:
    """The header table (standing for the whole file) when ``source`` is a 903 XML; else
    None, as for any other file."""
    if not name.lower().endswith(".xml"):
        return None
    try:
        head = head_of(source)[:PROLOG_BYTES]
    except OSError:
        return None
    if _COLLECTION.search(head) or (_RECORD.search(head) and _PART.search(head)):
        return declaration()[1]["header"]
    return None


class _Rows:
    """Each XML table's rows as they are read (kept columns only), and the personal
    elements each table held."""

    def __init__(self) -> None:
        self.tables = [t for t in declaration()[1].values() if t.xml]
        self.rows: dict[str, list[dict[str, str]]] = {t.key: [] for t in self.tables}
        self.seen: dict[str, set[str]] = {t.key: set() for t in self.tables}
        self.renamed = xml_layout()[1]

    def _values(self, element: etree._Element) -> dict[str, str]:
        """An element's direct values, by CSV heading (nested rows are not its values)."""
        out = {}
        for part in element:
            name = local(part.tag)
            if name and not len(part):
                out[self.renamed.get(name, name)] = (part.text or "").strip()
        return out

    def _add(self, table: Table, child: str, values: dict[str, str]) -> None:
        self.seen[table.key] |= values.keys() & table.personal.keys()
        row = {column: values.get(column, "") for column in table.kept}
        row["CHILD"] = child
        self.rows[table.key].append(row)

    def take(self, record: etree._Element) -> None:
        """One child's rows in every table the XML holds."""
        header = next((p for p in record if local(p.tag) == "HEADER"), None)
        own = self._values(header) if header is not None else {}
        child = own.get("CHILD", "")
        for table in self.tables:
            if table.xml == "HEADER":
                # A table of the child's own values is there when any of its headings is.
                if any(c in own for c in table.signature if c != "CHILD"):
                    self._add(table, child, own)
                continue
            for element in record.iter(f"{{*}}{table.xml}"):
                self._add(table, child, self._values(element))

    def reads(self, name: str) -> list[TableRead]:
        out = []
        for table in self.tables:
            rows = self.rows[table.key]
            if not rows:
                continue
            frame = pd.DataFrame(rows, columns=list(table.kept), dtype="str").fillna("")
            seen = [c for c in table.personal if c in self.seen[table.key]]
            out.append(
                TableRead(
                    name,
                    table,
                    frame,
                    aside=pd.Series(False, index=frame.index),
                    personal_seen=seen,
                    by_child=True,
                )
            )
        return out


def _read(name: str, source: Source) -> tuple[list[TableRead], Header]:
    record, _ = xml_layout()
    header = Header()
    rows = _Rows()
    for element in iter_records(source, (*_HEADER_PARTS, record)):
        if local(element.tag) in _HEADER_PARTS:
            header.take(element)
        else:
            rows.take(element)
    return rows.reads(name), header


def check_set(
    files: list[tuple[str, Source]], as_at: date | None, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    """A 903 XML (or several, each table in one of them at most) checked as the CSV tables
    are: the year from ``as_at``, else the header's ReferenceDate, else the file name.

    A refused file's report says it held personal data, whatever was read before the
    refusal, so the original is never kept (as for a census)."""
    try:
        return _check(files, as_at, stage)
    except FileRejected as exc:
        report = ValidationReport(
            file_name=" + ".join(n for n, _ in files),
            return_type=ORIGIN,
            problems=[exc.finding],
            warnings=[_PERSONAL],
        )
        return report, []


#: What a refused 903 XML is said to hold: every export carries dates of birth.
_PERSONAL = Finding(
    check=PERSONAL_DATA_DROPPED,
    message="An SSDA903 XML holds personal data (dates of birth, UPNs, postcodes); read past "
    "and never stored. The original file is never kept",
)


def _check(
    files: list[tuple[str, Source]], as_at: date | None, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    by_table: dict[str, TableRead] = {}
    said: date | None = None
    for name, source in files:
        reads, header = _read(name, source)
        if header.lea:
            check_lea(header.lea, "SSDA903 return")
        said = said or header.reference_date
        for read in reads:
            add_table(by_table, read)
    if not by_table:
        raise FileRejected(
            Finding(
                check="ssda903_xml_empty",
                message="The SSDA903 XML holds no <CHILD> records",
                fix="Export the return again from the case management system.",
            )
        )
    end = collection_end([n for n, _ in files], as_at or said)
    if end is None:
        raise year_unknown()
    return check_tables(" + ".join(n for n, _ in files), by_table, end, stage)
