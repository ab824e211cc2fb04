"""A census XML file handed to the loader: recognised, read by its collection's module, and
given a verdict whose report never lets the original be kept (it holds personal data)."""

from __future__ import annotations

import logging
from pathlib import Path

from etl.check.validate import MonthUnit
from etl.read.sniff import Source
from etl.report import FileRejected, Finding, ValidationReport
from etl.sources.census import declaration, head_of, refused_report, sniff
from etl.sources.cin_census import check_cin
from etl.sources.csww import check_csww

log = logging.getLogger(__name__)
READERS = {"CIN": ("cin_census", check_cin), "CSWW": ("csww", check_csww)}


def check_census(
    name: str, source: Source, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]] | None:
    """The census's report and the return-months it fills; None if it is not a census.

    Any fault refuses the file with a report that names its personal data, so the loader
    keeps only the report, never the file.
    """
    kind = sniff(head_of(source))
    if kind is None:
        return None
    label, check = READERS[kind]
    present: set[str] = set()
    try:
        return check(name, source, stage, present)
    except FileRejected as exc:
        return refused_report(name, label, exc.finding, present), []
    except Exception as exc:  # a reader fault still gives the file a verdict
        # Only the kind of fault is logged: its message could quote the file.
        log.error("could not read census %s: %s", name, type(exc).__name__)
        finding = Finding(
            check="file_unreadable",
            message=f"The census could not be read ({type(exc).__name__}); nothing was loaded",
            fix="Export it again; if it happens again, give this report to the dashboard's "
            "administrators.",
        )
        return refused_report(name, label, finding, present), []


def census_title(kind: str | None) -> str | None:
    """What a report's ``return_type`` calls a census ("Children in need census (XML)"), or
    None when it is not a census's."""
    names = {label for label, _ in READERS.values()}
    return declaration(kind)["title"] if kind in names else None
