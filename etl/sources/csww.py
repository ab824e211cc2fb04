"""The children's social work workforce census XML into the caseloads return at 30 September.

Follows ``etl/sources/csww.yaml``: one ``<CSWWWorker>`` at a time (streamed). A worker in
post at the reference date with ``Cases30`` given is one caseloads row: their Social Work
England number becomes a keyed pseudonym at the door (``etl.check.pseudonym``), their role comes
from ``OrgRole`` (and the newly-qualified marker, for the ASYE year), FTE, agency and cases
from the declared elements. Everything else about the worker is read past. A worker whose
values the return cannot hold (no FTE above 0, a caseload out of range, a Social Work
England number given twice) is set aside and named by pseudonym, as the CIN census sets
aside an episode (see ``etl.sources.cin_census`` for why).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from etl.check.pseudonym import pseudonym
from etl.check.validate import MonthUnit
from etl.english import uk_date
from etl.read.sniff import Source
from etl.read.xml_safe import text_of
from etl.report import ValidationReport
from etl.returns import ReturnSpec, get_return
from etl.sources.census import (
    Header,
    ReturnRows,
    SetAside,
    check_header,
    checked_units,
    declaration,
    parse_date,
    personal_finding,
    records,
    refuse,
)
from etl.sources.cin_census import months_before

ORIGIN = "csww"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class _Worker:
    """One worker's caseloads row, or why they are not in the return."""

    def __init__(self, spec: dict, reference_date: date, values: dict[str, str]) -> None:
        self.spec, self.values, self.reference_date = spec, values, reference_date

    def in_return(self) -> bool:
        left = parse_date(self.values.get(self.spec["left_by"], ""))
        held = self.values.get(self.spec["columns"]["caseload"], "") != ""
        return held and (left is None or left > self.reference_date)

    def role(self) -> str:
        role = self.spec["roles"].get(self.values.get("OrgRole", ""), self.spec["role_unknown"])
        asye = self.spec["asye"]
        started = parse_date(self.values.get(asye["since"], ""))
        newly = self.values.get(asye["element"], "") == asye["code"]
        recent = started and months_before(self.reference_date, asye["months"]) < started
        return asye["role"] if role == "QSW" and newly and recent else role

    def fte(self) -> str:
        for element in self.spec["columns"]["fte"]:
            value = _number(self.values.get(element, ""))
            if value and value > 0:
                return self.values[element]
        return ""

    def problems(self, caseloads: ReturnSpec, seen: set[str]) -> list[tuple[str, str]]:
        """(what is wrong, element) for each value the return cannot hold."""
        found = []
        for name in self.spec["dates"]:
            text = self.values.get(name, "")
            day = parse_date(text) if text else None
            if text and day is None:
                found.append((f"{name} is not a real date", name))
            elif day and day > self.reference_date:
                found.append((f"{name} is after the census's reference date", name))
        number = self.values.get(self.spec["worker_id"], "")
        if not number:
            found.append(("SWENo is missing, so the worker cannot be told apart", "SWENo"))
        elif number in seen:
            found.append(("the same SWENo is given for two workers", "SWENo"))
        if not self.fte():
            found.append(("no FTE above 0 (FTE or FTE30)", "FTE"))
        cases = self.spec["columns"]["caseload"]
        limit = caseloads.column("caseload")
        count = _number(self.values.get(cases, ""))
        if count is None or count != int(count) or not limit.min <= count <= limit.max:
            found.append(
                (f"{cases} is not a whole number from {limit.min:g} to {limit.max:g}", cases)
            )
        return found

    def row(self, team: str) -> dict[str, str]:
        agency = self.values.get(self.spec["columns"]["agency"], "")
        return {
            "worker_id": pseudonym(self.values[self.spec["worker_id"]]),
            "team": team,
            "role": self.role(),
            "fte": self.fte(),
            "agency": {"1": "Y", "0": "N"}.get(agency, agency),
            "caseload": self.values[self.spec["columns"]["caseload"]],
        }


def check_csww(
    name: str, source: Source, stage: Path, present: set[str]
) -> tuple[ValidationReport, list[MonthUnit]]:
    """Read, check and turn a workforce census into the caseloads return of its September."""
    spec = declaration("csww")
    caseloads = get_return(spec["return"])
    header = Header()
    part = ReturnRows(caseloads)
    set_aside = SetAside()
    seen: set[str] = set()
    workers = left = aside_count = 0
    reference_date: date | None = None
    for element in records(source, "CSWW", header):
        if reference_date is None:
            reference_date = check_header(header, "CSWW")
        values = text_of(element)
        workers += 1
        present |= set(values).intersection(spec["personal"])
        worker = _Worker(spec, reference_date, values)
        if not worker.in_return():
            left += 1
            continue
        wrong = worker.problems(caseloads, seen)
        number = values.get(spec["worker_id"], "")
        ref = f"worker {pseudonym(number)}" if number else f"worker {workers:,} in the file"
        seen.add(number)
        for message, element in wrong:
            set_aside.add(message, "", element, ref)
        if wrong:
            aside_count += 1
            continue
        part.rows.append(worker.row(spec["team"]))
        part.refs.append(ref)
    if reference_date is None:
        check_header(header, "CSWW")  # another council's empty census says so first
        raise refuse(
            "census_empty",
            "The workforce census holds no <CSWWWorker> records (or no header before them)",
            "Export the census again from the HR or case management system.",
        )
    month = reference_date.replace(day=1)

    def at_reference(_: ReturnSpec, typed: pd.DataFrame):
        yield month, typed

    problems, warnings, units = checked_units(name, [part], stage, at_reference, ORIGIN)
    aside = set_aside.findings(
        "worker",
        "Correct the worker's record in the HR or case management system and export the "
        "census again; the rest of the file was loaded.",
    )
    report = ValidationReport(
        file_name=name,
        return_type=ORIGIN,
        rows=sum(u.rows for u in units),
        problems=problems,
        warnings=[*aside, *warnings, personal_finding(present)],
        lists=[
            f"Workforce census {header.year}, LA {header.lea}, reference date "
            f"{uk_date(reference_date)}: {workers:,} workers read; {len(part.rows):,} holding "
            f"cases at the reference date → caseloads for {month:%B %Y}; {left:,} not holding "
            f"cases then (no Cases30, or left); {aside_count:,} set aside",
            f"The census holds no team: caseloads are for the whole council (team "
            f"'{spec['team']}')",
        ],
    )
    return report, ([] if problems else units)
