"""The children in need census XML into the referrals, assessments, ICPC, child
protection plan and child protection review returns.

Follows ``etl/sources/cin_census.yaml``: one ``<Child>`` at a time (streamed), each
``<CINdetails>`` episode giving a referral, its ``<Assessments>`` and its ``<Section47>``
enquiries. Only the child's own ID and the declared dates and flags are taken; everything
personal is read past. An episode with an impossible date (not a real date, after the
census's reference date, or out of order as the DfE's validation rules say) is set aside:
none of its rows is counted, and the report names the child and the element.

Why set aside rather than refuse: a census is a whole year for the whole council, and one
child's wrong date is the kind of error the DfE's own validator reports record by record. A
refused census would leave the board without any of the year's figures while one record is
corrected; set aside, every other child is counted and the report says exactly what was left
out and why. Anything else wrong (a file cut short, another council's, the wrong layout for
its year, values a return cannot hold) refuses the whole file.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from etl.check.validate import MonthUnit
from etl.english import uk_date
from etl.read.sniff import Source
from etl.read.xml_safe import LOCAL_NAMES, text_of
from etl.report import Finding, ValidationReport
from etl.returns import MonthSplit, get_return
from etl.sources.census import (
    Header,
    ReturnRows,
    SetAside,
    check_header,
    checked_units,
    child_reference,
    clean_ids,
    declaration,
    parse_date,
    period_months,
    personal_finding,
    plural,
    records,
    refuse,
    split_period,
)

ORIGIN = "cin_census"


@dataclass
class Episode:
    """One ``<CINdetails>``: its own values, and its blocks (assessments, enquiries…)."""

    values: dict[str, str]
    blocks: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _episode(element: etree._Element, nested: dict[str, str]) -> Episode:
    """An episode's own values and its blocks. A block inside the one ``nested`` names for
    it (a ``ChildProtectionPlans``' ``Reviews``) gives a row per element in it (each
    ``CPPreviewDate``), holding the outer block's values too: a review knows its plan."""
    values: dict[str, str] = {}
    blocks: dict[str, list[dict[str, str]]] = {}
    names = LOCAL_NAMES
    for part in element:
        tag = names[part.tag]
        if not tag:
            continue
        if not len(part):
            values[tag] = (part.text or "").strip()
            continue
        record = text_of(part)
        blocks.setdefault(tag, []).append(record)
        for inner in part:
            if len(inner) and nested.get(names[inner.tag]) == tag:
                # <Reviews> holds several <CPPreviewDate>: each a row (a blank one none).
                rows = blocks.setdefault(names[inner.tag], [])
                for item in inner:
                    text = (item.text or "").strip()
                    if names[item.tag] and text:
                        rows.append({**record, names[item.tag]: text})
    return Episode(values, blocks)


@dataclass
class Child:
    """One ``<Child>``: its ID and episodes, and which of the watched elements (personal
    data, blocks left aside, one year's layout only) it holds."""

    child_id: str
    episodes: list[Episode]
    seen: set[str]


def watched(spec: dict) -> tuple[str, ...]:
    """The elements ``read_child`` looks for anywhere in a child, as lxml tags in any
    namespace: lxml finds them itself, so the child's other elements never reach Python."""
    names = {*spec["personal"], *spec["left_aside"], *spec["layouts"]}
    return tuple(f"{{*}}{name}" for name in sorted(names))


def read_child(element: etree._Element, tags: tuple[str, ...], nested: dict[str, str]) -> Child:
    """A child's ID, its episodes (``nested``: as ``_episode``) and which of ``tags``
    (``watched``) it holds."""
    names = LOCAL_NAMES
    seen = {names[item.tag] for item in element.iter(*tags)}
    child_id = ""
    episodes = []
    for part in element:
        if names[part.tag] == "CINdetails":
            episodes.append(_episode(part, nested))
            continue
        for item in part.iter("{*}LAchildID"):
            child_id = (item.text or "").strip()
    return Child(child_id, episodes, seen)


class _Layout:
    """The elements that tell one year's layout from another, checked against the header."""

    def __init__(self, spec: dict, year: int) -> None:
        self.wrong: dict[str, str] = {}
        for name, rule in spec["layouts"].items():
            if year < rule.get("from", 0) or year > rule.get("until", 9999):
                self.wrong[name] = rule["note"]

    def check(self, seen: set[str], year: int) -> None:
        clash = seen.intersection(self.wrong)
        if clash:
            name = sorted(clash)[0]
            raise refuse(
                "census_layout",
                f"The census header says Year {year}, but the file holds {name}, which that "
                f"year's layout does not have ({self.wrong[name]}): it was exported with "
                "another year's layout",
                "Export the census again with the layout of the year in its header (or "
                "correct the header's Year if it is the one that is wrong).",
            )


class Days(dict):
    """Date text → ``parse_date`` of it, worked out once per distinct text: a census repeats
    the same few thousand dates over tens of thousands of records. Holds at most
    ``_MAX_DAYS`` texts, so a file of endless distinct texts cannot grow it without bound."""

    def __missing__(self, text: str) -> date | None:
        day = parse_date(text)
        if len(self) < _MAX_DAYS:
            self[text] = day
        return day


_MAX_DAYS = 100_000


class _Checker:
    """An episode's dates against the declared rules; the first broken one sets it aside."""

    def __init__(self, spec: dict, reference_date: date) -> None:
        self.rules = [
            (rule["element"], rule["not_before"], str(rule.get("rule", "")))
            for rule in spec["dates"]
        ]
        self.dates = frozenset(spec["date_elements"])
        self.reference_date = reference_date
        self.days = Days()

    def problems(self, episode: Episode) -> list[tuple[str, str, str]]:
        """(what is wrong, DfE rule or "", element) for each impossible date of the episode."""
        groups = [episode.values, *(b for blocks in episode.blocks.values() for b in blocks)]
        found = []
        parsed: list[dict[str, date]] = []
        as_date = self.days
        for values in groups:
            days = {}
            for name in self.dates.intersection(values):
                text = values[name]
                day = as_date[text] if text else None
                if text and day is None:
                    found.append((f"{name} is not a real date", "", name))
                elif day and day > self.reference_date:
                    found.append((f"{name} is after the census's reference date", "", name))
                elif day:
                    days[name] = day
            parsed.append(days)
        if not episode.values.get("CINreferralDate"):
            found.append(("CINreferralDate is missing", "", "CINreferralDate"))
        if found:  # dates that are not dates cannot be put in order
            return found
        own = parsed[0]
        for days in parsed:
            for later, earlier, rule in self.rules:
                mine = days.get(later)
                other = days.get(earlier) or own.get(earlier)
                if mine and other and mine < other:
                    found.append((f"{later} is before {earlier}", rule, later))
        return found


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (29 February → 28 February in other years)."""
    years, index = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _previous_within(days: list[date], day: date, months: int) -> int:
    """How many of ``days`` fall on or after the same day ``months`` months before ``day``
    and before ``day`` itself (the referral's own date is never counted)."""
    if len(days) == 1:
        return 0
    since = months_before(day, months)
    return sum(1 for other in days if since <= other < day)


def _in_sequence(rows: list[dict[str, str]], sequence: dict[str, str]) -> list[dict[str, str]]:
    """One episode's rows of a return declared with a ``sequence`` (a plan's reviews), in
    order of its ``of`` column within each group of the same other columns (the same plan),
    each given the one before it (``previous``, blank for the first) and its ``number``."""
    of, previous, number = sequence["of"], sequence["previous"], sequence["number"]
    rows = sorted(rows, key=lambda r: (_others(r, of), r[of]))
    groups = [_others(r, of) for r in rows]
    for i, row in enumerate(rows):
        first = i == 0 or groups[i] != groups[i - 1]
        row[previous] = "" if first else rows[i - 1][of]
        row[number] = "1" if first else str(int(rows[i - 1][number]) + 1)
    return rows


def _others(row: dict[str, str], of: str) -> tuple[str, ...]:
    return tuple(v for k, v in row.items() if k != of)


def check_cin(
    name: str, source: Source, stage: Path, present: set[str]
) -> tuple[ValidationReport, list[MonthUnit]]:
    """Read, check and cut a CIN census into return-months (``present`` collects the personal
    elements the file held, for the report, even when the file is refused)."""
    spec = declaration("cin_census")
    header = Header()
    team = spec["team"]
    returns = spec["returns"]
    parts = {key: ReturnRows(get_return(key)) for key in returns}
    set_aside = SetAside()
    left_aside: set[str] = set()
    checker: _Checker | None = None
    layout: _Layout | None = None
    children = episodes = aside = 0
    child_ids: list[str] = []
    history = returns["referrals"]["history"]
    tags = watched(spec)
    # (return, block each row comes from — None: the episode itself —, column ← element,
    # the order its rows are numbered in, if any)
    plan = [
        (
            key,
            None if item["each"] == spec["episode"] else item["each"],
            [*item["columns"].items()],
            item.get("sequence"),
        )
        for key, item in returns.items()
    ]
    nested = {item["each"]: item["within"] for item in returns.values() if "within" in item}
    for element in records(source, "CIN", header):
        if checker is None:
            reference_date = check_header(header, "CIN")
            checker = _Checker(spec, reference_date)
            layout = _Layout(spec, header.year)
        child = read_child(element, tags, nested)
        child_ids.append(child.child_id)
        children += 1
        present |= child.seen.intersection(spec["personal"])
        left_aside |= child.seen.intersection(spec["left_aside"])
        layout.check(child.seen, header.year)
        ref = f"child {child_reference(child.child_id, children)}"
        good = []
        for episode in child.episodes:
            episodes += 1
            wrong = checker.problems(episode)
            for message, rule, where in dict.fromkeys(wrong):
                set_aside.add(message, rule, where, ref)
            if wrong:
                aside += 1
            else:
                good.append(episode)
        referral_days = [checker.days[e.values["CINreferralDate"]] for e in good]
        for episode, day in zip(good, referral_days, strict=True):
            for key, block, columns, sequence in plan:
                items = [episode.values] if block is None else episode.blocks.get(block, ())
                rows = []
                for item in items:
                    row = {"child_id": child.child_id, "team": team}
                    for column, element_name in columns:
                        row[column] = item.get(element_name, "")
                    if block is None:
                        row[history["column"]] = str(
                            _previous_within(referral_days, day, history["months"])
                        )
                    rows.append(row)
                parts[key].rows += _in_sequence(rows, sequence) if sequence else rows
                parts[key].refs += [ref] * len(rows)
    if checker is None:
        check_header(header, "CIN")  # another council's empty census says so first
        raise refuse(
            "census_empty",
            "The children in need census holds no <Child> records (or no header before them)",
            "Export the census again from the case management system.",
        )
    first, last = period_months(header.reference_date)
    # A return's own months rule (a return no Annex A list gives), else its Annex A list's.
    splits = {
        key: MonthSplit(**item["months"]) if "months" in item else parts[key].spec.annex_a.split
        for key, item in returns.items()
    }
    ids, cleaned = clean_ids(name, parts["referrals"].spec, "child_id", child_ids)
    for part in parts.values():
        part.cleaned = ids
    problems, warnings, units = checked_units(
        name, list(parts.values()), stage, split_period(first, last, splits), ORIGIN
    )
    warnings = [*cleaned, *warnings]
    fix = (
        "Correct the dates in the case management system and export the census again; the "
        "rest of the file was loaded."
    )
    warnings = [*set_aside.findings("episode", fix), *warnings, personal_finding(present)]
    lines = [
        f"CIN census {header.year}, LA {header.lea}, reference date "
        f"{uk_date(header.reference_date)}: {plural(children, 'child', 'children')}, "
        f"{plural(episodes, 'referral episode')} read, {aside:,} set aside for an impossible "
        "date",
        f"The census holds no team: its figures are for the whole council (team '{team}')",
    ]
    for part in parts.values():
        filled = [u for u in units if u.spec is part.spec]
        if filled:
            lines.append(
                f"{part.spec.name}: {len(part.rows):,} rows read, months "
                f"{filled[0].month:%B %Y} – {filled[-1].month:%B %Y}"
            )
    lines += [f"{tag}: {spec['left_aside'][tag]}" for tag in sorted(left_aside)]
    if not units and not problems:
        problems.append(
            Finding(
                check="census_period",
                message=f"The census's reference date ({uk_date(header.reference_date)}) "
                "covers no whole month of its year, so there is no month to fill",
                fix="Send an extract taken at or after the end of a month.",
            )
        )
    report = ValidationReport(
        file_name=name,
        return_type=ORIGIN,
        rows=sum(u.rows for u in units),
        problems=problems,
        warnings=warnings,
        lists=lines,
    )
    return report, ([] if problems else units)
