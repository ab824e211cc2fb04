"""The Ofsted Annex A workbook, read as a council exports it, into the declared returns.

Every English council keeps the child-level lists Ofsted asks for at inspection (Annex A).
Which lists give which return is declared in ``etl/spec/*.yaml`` (each return's ``annex_a``
block); this module only follows those declarations: it finds the lists (by sheet name, else
by their headings), maps their headings to the return's columns, fills what a list implies
(a list date, a plan type), and cuts a list that covers many months into months.

Event lists (List 5) cover a period: a row falls in the months the return's ``split`` says.
Snapshot lists (6, 7, 8) are the position on the list date. The list date comes from the
file name, the upload form or ``--as-at``; when it cannot be known the workbook is refused
with the question, never guessed.

Older and partial workbooks load as far as they can, still in one transaction: a list without
a column the return fills when blank (``blank_as``: the 2019 template's List 5 has no
Allocated Team) loads for the whole council, "Team not recorded", and the report says so; a
list with no rows, or without a column its measure needs, is "not used" with the reason and
the other lists load. Only a workbook none of whose lists can be used is refused.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.check.validate import MonthUnit, blank_optional_warnings, check_return, staged_schema
from etl.read.reader import PERSONAL_DATA_DROPPED, RawReturn, map_headers, pseudonymised
from etl.read.workbook import Sheet
from etl.report import FileRejected, Finding, ValidationReport
from etl.returns import AnnexList, MonthSplit, ReturnSpec, all_returns, fold_header

#: "List 5", "List_5", "List 5 - Section 47", "Annex A List 5", "L5"…
_LIST_NAME = re.compile(r"^(?:annex\s*a\W*|appendix\s*a\W*)?(?:list|l)\W*(\d{1,2})(?!\d)", re.I)
#: A list date written in a file name: 2022-03-31, 20220331, 31-03-2022 or 31.03.2022.
_NAME_DATES = (
    (re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)"), (1, 2, 3)),
    (re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})(?!\d)"), (3, 2, 1)),
)
#: Annex A answers are often written with their option letter: "a) Yes", "b) No".
_OPTION_LETTER = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.I)


@dataclass
class FoundList:
    """A sheet recognised as an Annex A list, and the return it gives (None: not used)."""

    number: int
    sheet: Sheet
    spec: ReturnSpec | None = None
    declared: AnnexList | None = None


@dataclass
class ListSummary:
    """One list's line in the load report: what was read, used, filled and left out."""

    number: int
    sheet: str
    used_by: str | None  # the return it gives; None = not used by the dashboard
    title: str = ""
    rows_read: int = 0
    rows_used: int = 0
    months: list[str] = field(default_factory=list)  # YYYY-MM filled from this list
    dropped: list[str] = field(default_factory=list)  # "heading: why"
    not_recorded: list[str] = field(default_factory=list)  # "team not recorded (no …)"
    not_used: str | None = None  # why a list the dashboard reads was not used

    def line(self) -> str:
        """The list as an analyst reads it in the report."""
        named = _LIST_NAME.match(self.sheet.strip())
        head = f"List {self.number}" + ("" if named else f" (sheet {self.sheet})")
        if self.used_by is None:
            return f"{head}: not used by the dashboard"
        if self.not_used:
            return f"{head} → {self.used_by}: not used: {self.not_used}"
        months = _month_range(self.months)
        dropped = f"; left out: {'; '.join(self.dropped)}" if self.dropped else ""
        dropped += "".join(f"; {note}" for note in self.not_recorded)
        unused = self.rows_read - self.rows_used
        why = f" ({unused:,} fall in no month filled)" if unused else ""
        return (
            f"{head} → {self.used_by}: {self.rows_read:,} rows read, {self.rows_used:,} used{why}"
            f"{', months ' + months if months else ''}{dropped}"
        )


def _month_range(months: list[str]) -> str:
    if not months:
        return ""
    first, last = (date.fromisoformat(m + "-01") for m in (min(months), max(months)))
    return first.strftime("%B %Y") if first == last else f"{first:%B %Y} – {last:%B %Y}"


def _declared_lists() -> dict[int, tuple[ReturnSpec, AnnexList]]:
    return {
        item.number: (spec, item)
        for spec in all_returns().values()
        if spec.annex_a
        for item in spec.annex_a.lists
    }


def list_number(sheet: Sheet) -> int | None:
    """The Annex A list a sheet holds: from its name, else from its declared headings."""
    match = _LIST_NAME.match(sheet.name.strip())
    if match:
        return int(match[1])
    folded = {fold_header(h) for h in sheet.headers}
    for number, (_, item) in _declared_lists().items():
        if item.signature and {fold_header(h) for h in item.signature} <= folded:
            return number
    return None


def find_lists(sheets: list[Sheet]) -> list[FoundList]:
    """The workbook's Annex A lists (empty: this is not an Annex A workbook)."""
    declared = _declared_lists()
    found = []
    for sheet in sheets:
        number = list_number(sheet)
        if number is not None:
            spec, item = declared.get(number, (None, None))
            found.append(FoundList(number, sheet, spec, item))
    return found


def date_in_name(name: str) -> date | None:
    """The list date a file name gives (``Annex_A_2022-03-31.xlsx``), if it gives one."""
    for pattern, (y, m, d) in _NAME_DATES:
        for match in pattern.finditer(name):
            try:
                return date(int(match[y]), int(match[m]), int(match[d]))
            except ValueError:
                continue
    return None


def as_at_unknown() -> FileRejected:
    return FileRejected(
        Finding(
            check="list_date_known",
            message="This is an Ofsted Annex A workbook, but its list date (the day it was "
            "extracted) is not known, so its rows cannot be put in months",
            fix="Which day was it extracted? Give the date: put it in the file name "
            "(e.g. Annex_A_2022-03-31.xlsx), enter it on the upload form, or use "
            "--as-at 2022-03-31 on the command line.",
        )
    )


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_whole_month(as_at: date) -> date:
    """The last month the list covers to its end: the list date's month if it is its last
    day, else the month before (a list taken on 15 March says nothing of late March)."""
    first = as_at.replace(day=1)
    if as_at == month_end(as_at):
        return first
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def list_return(found: FoundList, file_name: str, as_at: date) -> RawReturn:
    """One used list as a return's rows (strings, canonical columns), ready to be checked.

    Rows keep their spreadsheet row numbers, so a report points at the sheet's own rows.
    """
    spec, source = found.spec, found.spec.annex_a
    sheet = found.sheet
    given = {*found.declared.fill, *([source.as_at_column] if source.as_at_column else [])}
    not_recorded = _not_recorded(spec, sheet)
    mapping, warnings = map_headers(spec, sheet.headers, {*given, *not_recorded})
    frame = pd.DataFrame(
        {name: [row[pos] for row in sheet.rows] for pos, name in mapping.items()},
        index=pd.Index([n - 2 for n in sheet.row_numbers]),
        dtype="str",
    )
    for column, value in found.declared.fill.items():
        frame[column] = value
    for column, value in not_recorded.items():
        frame[column] = value
        rows_take = f"{column} '{value}'" if value else f"no {column}"
        warnings.append(
            Finding(
                check="column_not_recorded",
                message=f"the list has no {column} column ({_heading(spec, column)}): its rows "
                f"load for the whole council, {rows_take}",
                column=column,
                rows_affected=len(frame),
                fix=f"Nothing to do; to see them by {column}, add the {_heading(spec, column)} "
                "column to the list (Ofsted's template has it since 2020).",
            )
        )
    if source.as_at_column:
        frame[source.as_at_column] = as_at.isoformat()
    for column in spec.columns:
        if column.type in ("flag", "code") and column.name in frame:
            frame[column.name] = frame[column.name].str.replace(_OPTION_LETTER, "", regex=True)
    for column, text in source.blank_as.items():
        if column in frame:
            blank = frame[column].str.strip() == ""
            frame.loc[blank, column] = text
    for heading, count in sheet.excel_errors.items():
        warnings.append(
            Finding(
                check="excel_error_cells",
                message=f"{heading}: {count:,} cell(s) held an Excel error such as #N/A "
                "(a failed lookup), read as blank",
                column=heading[:60],
                rows_affected=count,
                fix="Fix the formula in the workbook if those cells should hold a value.",
            )
        )
    label = f"{file_name} · List {found.number}"
    raw = RawReturn(label, spec, as_at.replace(day=1), iter(()), warnings)
    raw.chunks = pseudonymised(iter([frame]), raw, source.pseudonymise)
    return raw


def _heading(spec: ReturnSpec, column: str) -> str:
    """A column's heading as Annex A writes it (its first alias, say "Allocated Team")."""
    aliases = spec.column(column).aliases
    return next((a for a in aliases if a.lower().startswith("allocated")), None) or (
        aliases[0] if aliases else column
    )


def _not_recorded(spec: ReturnSpec, sheet: Sheet) -> dict[str, str]:
    """Columns the list lacks that say only whose a case is: the team (``blank_as``, its rows
    take that value: a list without an Allocated Team loads for the whole council) and a
    staff column that may be blank (``pseudonymise``; its rows have no worker)."""
    present = {spec.alias_map().get(fold_header(h)) for h in sheet.headers}
    source = spec.annex_a
    staff = {c: "" for c in source.pseudonymise if not spec.column(c).required}
    return {c: v for c, v in {**staff, **source.blank_as}.items() if c not in present}


def split_months(
    frame: pd.DataFrame, split: MonthSplit, last_month: date, first_month: date | None = None
) -> Iterator[tuple[date, pd.DataFrame]]:
    """An event list's typed rows, month by month, from its first event's month (or
    ``first_month``: a census covers a stated period) to ``last_month``.

    A row is in the month of its event; before that, in every month at whose end it was
    still waiting (from its ``open_from`` month); a row flagged ``unless`` only in its
    ``open_from`` month. A month with no rows is still a month filled: none happened.
    """
    start = pd.to_datetime(frame[split.open_from])
    event = pd.to_datetime(frame[split.event])
    flagged = (
        frame[split.unless].fillna(False).astype(bool)
        if split.unless
        else pd.Series(False, index=frame.index)
    )
    if first_month is not None:
        month = first_month
    elif start.isna().all():
        return
    else:
        # The period the list covers starts with its first event: a case open since long
        # before (an assessment started two years ago) must not make the list claim those
        # months.
        first = event.min() if event.notna().any() else start.min()
        month = first.date().replace(day=1)
    while month <= last_month:
        first, last = pd.Timestamp(month), pd.Timestamp(month_end(month))
        held = event.between(first, last) & ~flagged
        waiting = (start <= last) & (event.isna() | (event > last)) & ~flagged
        opened = flagged & start.between(first, last)
        yield month, frame[held | waiting | opened]
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _in_list(findings: list[Finding], number: int, spec: ReturnSpec) -> list[Finding]:
    """A list's findings, each saying which list (rows are the sheet's own); the columns
    the return does not use are said once, not one line each."""
    unused = [f.column for f in findings if f.check == "extra_column_dropped" and f.column]
    out = [
        replace(f, message=f"List {number}: {f.message}")
        for f in findings
        if f.check != "extra_column_dropped"
    ]
    if unused:
        out.append(
            Finding(
                check="extra_column_dropped",
                message=f"List {number}: {len(unused)} column(s) the {spec.name} return does "
                f"not use, not stored: {', '.join(unused)}",
            )
        )
    return out


def _dropped(warnings: list[Finding]) -> list[str]:
    """A list's left-out columns for its summary line: personal data named one by one."""
    personal = [f"{w.column} (personal data)" for w in warnings if w.check == PERSONAL_DATA_DROPPED]
    unused = sum(1 for w in warnings if w.check == "extra_column_dropped")
    return personal + ([f"{unused} column(s) not used"] if unused else [])


def check_workbook(
    file_name: str, lists: list[FoundList], as_at: date | None, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    """Check every used list of an Annex A workbook and cut its rows into return-months.

    Each list is checked on its own (its report rows are its sheet's rows); the months are
    cut from the typed rows, so a row that falls in several months is checked once.
    """
    if as_at is None:
        raise as_at_unknown()
    used = sorted((f for f in lists if f.spec is not None), key=lambda f: f.number)
    if not used:
        wanted = ", ".join(str(n) for n in sorted(_declared_lists()))
        raise FileRejected(
            Finding(
                check="annex_a_lists",
                message="This Annex A workbook has none of the lists the dashboard uses "
                f"(lists {wanted})",
                fix="Send the workbook with those lists, named List 5, List 6… as Ofsted's "
                "template names them.",
            )
        )
    problems, warnings, summaries = [], [], {}
    typed: dict[str, list[pd.DataFrame]] = {}
    own: dict[int, list[Finding]] = {}  # each list's warnings, for its return's months
    for found in used:
        summary = summaries[found.number] = ListSummary(
            found.number,
            found.sheet.name,
            found.spec.name,
            found.declared.title,
            rows_read=len(found.sheet.rows),
        )
        raw, summary.not_used = _list_or_why_not(found, file_name, as_at)
        if raw is None:
            warnings.append(_not_used(found, summary.not_used))
            continue
        folder = stage / f"list-{found.number}"
        folder.mkdir()
        checked = check_return(raw, folder)
        problems += _in_list(checked.report.problems, found.number, found.spec)
        own[found.number] = _in_list(checked.report.warnings, found.number, found.spec)
        warnings += own[found.number]
        summary.dropped = _dropped(checked.report.warnings)
        summary.not_recorded = [
            f"{f.column} not recorded (no {_heading(found.spec, f.column)} column)"
            for f in checked.report.warnings
            if f.check == "column_not_recorded"
        ]
        typed.setdefault(found.spec.name, []).append(
            (found.number, pd.read_parquet(checked.staged))
        )
    if not typed and not problems:
        reasons = "; ".join(f"List {n}: {s.not_used}" for n, s in sorted(summaries.items()))
        raise FileRejected(
            Finding(
                check="annex_a_lists",
                message=f"None of this Annex A workbook's lists could be used ({reasons})",
                fix="Send the workbook with those lists filled in and their columns as "
                "Ofsted's template heads them.",
            )
        )
    for found in lists:
        if found.spec is None:
            summaries[found.number] = ListSummary(found.number, found.sheet.name, None)
    units = [] if problems else _units(typed, as_at, stage, summaries, own)
    report = ValidationReport(
        file_name=file_name,
        return_type="annex_a",
        rows=sum(u.rows for u in units),
        problems=problems,
        warnings=warnings,
        lists=[summaries[n].line() for n in sorted(summaries)],
    )
    return report, units


def _list_or_why_not(
    found: FoundList, file_name: str, as_at: date
) -> tuple[RawReturn, None] | tuple[None, str]:
    """The list's rows as its return's, or why the list cannot be used (no rows; a column its
    measure needs missing): such a list is left out and the rest of the workbook loads."""
    if not found.sheet.rows:
        return None, "the list has no rows"
    try:
        return list_return(found, file_name, as_at), None
    except FileRejected as exc:
        if exc.finding.check != "required_columns":
            raise
        message = exc.finding.message
        return None, f"{message[0].lower()}{message[1:]} ({exc.finding.fix})"


def _not_used(found: FoundList, why: str) -> Finding:
    return Finding(
        check="annex_list_not_used",
        message=f"List {found.number} ({found.declared.title}) was not used: {why}; the "
        f"{found.spec.name} return gets nothing from it",
        fix="Nothing to do for the other lists, which loaded. To use this list, send it with "
        "its rows and columns.",
    )


def _month_warnings(
    spec: ReturnSpec, rows_of_lists: dict[int, pd.DataFrame], own: dict[int, list[Finding]]
) -> list[Finding]:
    """A return-month's warnings: its own lists' only, each counted over the month's rows of
    that list. Blanks are counted again; a staff column's pseudonyms are its filled cells, a
    column not recorded is every row; any other count (cells that held an Excel error) is the
    list's, at most the month's rows."""
    out = []
    for number, rows in rows_of_lists.items():
        blanks = {c.name: int(rows[c.name].isna().sum()) for c in spec.columns if c.name in rows}
        listed = own.get(number, [])
        said = {f.column for f in listed if f.check == "optional_blank"}
        recounted = [f for f in blank_optional_warnings(spec, blanks) if f.column in said]
        out += _in_list(recounted, number, spec) if recounted else []
        for finding in listed:
            if finding.check == "optional_blank":
                continue  # counted again above
            if not finding.rows_affected:
                out.append(finding)  # about a column, not rows
                continue
            if finding.check == "pseudonymised" and finding.column in rows:
                count = int(rows[finding.column].notna().sum())
            else:
                count = min(finding.rows_affected, len(rows))
            if count:
                out.append(replace(finding, rows_affected=count))
    return out


def _units(
    typed: dict[str, list[tuple[int, pd.DataFrame]]],
    as_at: date,
    stage: Path,
    summaries: dict[int, ListSummary],
    own: dict[int, list[Finding]],
) -> list[MonthUnit]:
    """Each return's typed rows (all its lists together) as one unit per month filled, each
    with its own warnings (``_month_warnings``)."""
    units = []
    for name, parts in typed.items():
        spec = all_returns()[name]
        frame = pd.concat([f.assign(_list=n) for n, f in parts], ignore_index=True)
        if spec.annex_a.split is None:
            months = [(as_at.replace(day=1), frame)]
        else:
            months = list(split_months(frame, spec.annex_a.split, last_whole_month(as_at)))
        used = pd.Index([], dtype="int64")
        for month, rows in months:
            path = stage / f"{name}-{month:%Y-%m}.parquet"
            rows_of_lists = {n: rows[rows["_list"] == n] for n, _ in parts}
            rows = rows.drop(columns="_list")
            table = pa.Table.from_pandas(rows, schema=staged_schema(spec), preserve_index=False)
            pq.write_table(table, path)
            warned = _month_warnings(spec, rows_of_lists, own)
            units.append(MonthUnit(spec, month, path, len(rows), "annex_a", warned))
            used = used.union(rows.index)
        for number, _ in parts:
            summaries[number].months = [f"{m:%Y-%m}" for m, _ in months]
            summaries[number].rows_used = int((frame.loc[used, "_list"] == number).sum())
    return units
