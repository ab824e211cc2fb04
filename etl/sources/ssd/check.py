"""An SSD extract checked as one set: its tables read, the returns they fill worked out month
by month (``fill``), and each return's months put through that return's own checks and
Great Expectations suite in one run (``etl.check.validate.check_returns``), exactly as the
council's monthly files of that return would be. The loader then writes the months with the
existing replace rules (``etl.write.load``).

The set loads whole or not at all: a return whose rows fail its suite refuses the set, since
one month's caseloads from the SSD beside another's from a monthly return would not compare.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.check.staging import staged_schema
from etl.check.validate import CheckedReturn, MonthUnit, check_returns
from etl.read.reader import RawReturn, pseudonymised
from etl.read.sniff import Source
from etl.report import FileRejected, Finding, ValidationReport
from etl.returns import ReturnSpec, get_return
from etl.sources.annex_a import date_in_name, last_whole_month
from etl.sources.ssd.fill import FILLS, Extract
from etl.sources.ssd.settings import council
from etl.sources.ssd.tables import (
    Read,
    Table,
    declaration,
    dropped_findings,
    personal_columns,
    read_table,
    recognise,
)

ORIGIN = "ssd"
#: The columns whose latest date is taken as the extract's date when none is given: each
#: records something that happened (a start, a visit), never a date planned ahead.
_EVENT_DATES = {
    "ssd_involvements": "start",
    "ssd_cin_visits": "date",
    "ssd_cp_visits": "date",
    "ssd_cla_visits": "date",
    "ssd_cin_episodes": "date",
    "ssd_s47_enquiry": "start",
    "ssd_cin_assessments": "start",
}


def digest(named: list[tuple[str, Source, str]]) -> str:
    """One sha256 for a set: each file's, in name order."""
    return hashlib.sha256("".join(sorted(f"{n}:{d}" for n, _, d in named)).encode()).hexdigest()


def _refuse(check: str, message: str, fix: str) -> FileRejected:
    return FileRejected(Finding(check=check, message=message, fix=fix))


def _extract_date(reads: dict[str, Read], as_at: date | None) -> date:
    """``as_at`` if given, else a date the file names give (``2026-02-01_ssd_…``), else the
    latest event any table records (a nightly extract's newest record is from its own day)."""
    named = [date_in_name(read.file_name) for read in reads.values()]
    if as_at is not None or any(named):
        return as_at or max(d for d in named if d)
    latest = [reads[t].dates(c).max() for t, c in _EVENT_DATES.items() if t in reads]
    latest = [d for d in latest if pd.notna(d)]
    if not latest:
        raise _refuse(
            "ssd_date_unknown",
            "These SSD tables hold no dated event, so the months they cover are not known",
            "Give the extract's date with --as-at (command line) or on the upload form.",
        )
    return max(latest).date()


def _months(end: date, count: int, first_event: date | None) -> list[date]:
    """Whole months only: the last ``count`` up to the last whole month before ``end``, none
    before the month of the extract's first event."""
    last = last_whole_month(end)
    months = [
        (pd.Timestamp(last) - pd.DateOffset(months=n)).date() for n in range(count - 1, -1, -1)
    ]
    if first_event is not None:
        months = [m for m in months if m >= first_event.replace(day=1)]
    return months


def _first_event(reads: dict[str, Read]) -> date | None:
    firsts = [reads[t].dates(c).min() for t, c in _EVENT_DATES.items() if t in reads]
    firsts = [d for d in firsts if pd.notna(d)]
    return min(firsts).date() if firsts else None


def _guarded(
    spec: ReturnSpec, label: str, rows: dict[date, pd.DataFrame]
) -> tuple[dict[date, pd.DataFrame], list[Finding]]:
    """Every month's rows through the guard every file passes (``pseudonymised``: invisible
    characters removed, name-shaped IDs pseudonymised, real-world identifiers refused), run
    once over each ID and text column's distinct values: a child open all year is in twelve
    months' allocations, and one pass over its ID is enough. Raises ``FileRejected``."""
    columns = [c.name for c in spec.columns if c.type in ("id", "text")]
    distinct = {c: pd.unique(pd.concat([f[c] for f in rows.values()])) for c in columns}
    width = max((len(v) for v in distinct.values()), default=0)
    values = pd.DataFrame({c: pd.Series(v).reindex(range(width)) for c, v in distinct.items()})
    values = values.fillna("")
    raw = RawReturn(label, spec, max(rows), iter(()), [])
    try:
        [guarded] = list(pseudonymised(iter([values.copy()]), raw))
    except FileRejected as exc:  # its rows are the distinct values', not the file's
        exc.finding.example_rows = []
        exc.finding.message = f"{spec.title}: {exc.finding.message.replace('row(s)', 'values')}"
        raise
    out = dict(rows)
    for column in columns:
        changed = values[column] != guarded[column]
        if changed.any():
            before, after = values.loc[changed, column], guarded.loc[changed, column]
            mapping = dict(zip(before, after, strict=True))
            out = {m: f.assign(**{column: f[column].replace(mapping)}) for m, f in out.items()}
    return out, raw.warnings


def _checked(
    name: str, label: str, rows: dict[date, pd.DataFrame], stage: Path
) -> tuple[list[MonthUnit], list[Finding], list[Finding]]:
    """One return's months through its checks and suite (one Great Expectations run for all
    of them): the month units, problems and warnings."""
    spec = get_return(name)
    columns = [c.name for c in spec.columns]
    try:
        rows, warnings = _guarded(spec, label, rows)
    except FileRejected as exc:
        return [], [exc.finding], []
    units, raws, stages, empty = [], [], [], []
    for month, frame in rows.items():
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-{month:%Y-%m}-", dir=stage))
        if frame.empty:  # nothing happened that month: a month of none, not a gap
            path = folder / f"{name}.parquet"
            pq.write_table(staged_schema(spec).empty_table(), path)
            empty.append(MonthUnit(spec, month, path, 0, origin=ORIGIN))
            continue
        frame = frame.reset_index(drop=True)[columns]
        raw = RawReturn(f"{label} → {name} {month:%Y-%m}", spec, month, iter(()), [])
        raws.append(replace(raw, chunks=iter([frame])))
        stages.append(folder)
    problems: list[Finding] = []
    for raw, result in zip(raws, check_returns(raws, stages) if raws else [], strict=True):
        if isinstance(result, Exception):
            if not isinstance(result, FileRejected):
                raise result
            problems.append(result.finding)
            continue
        checked: CheckedReturn = result
        for finding in checked.report.problems:
            finding.message = f"{spec.title} for {raw.month:%B %Y}: {finding.message}"
            problems.append(finding)
        warnings += [w for w in checked.report.warnings if w.check != "optional_blank"]
        units.append(MonthUnit(spec, raw.month, checked.staged, checked.report.rows, ORIGIN))
    return sorted(units + empty, key=lambda u: u.month), problems, warnings


def check_set(
    files: list[tuple[str, Source]], as_at: date | None, stage: Path
) -> tuple[ValidationReport, list[MonthUnit]]:
    """Check an SSD extract (one or more ``ssd_*`` tables) and cut the returns it fills into
    whole months. Refused as a whole when a table comes twice, lacks a column the dashboard
    needs, or a return's rows fail its suite."""
    label = " + ".join(name for name, _ in files)
    tables = [(name, source, recognise(name, source)) for name, source in files]
    # Known before anything is parsed, so a refused set is never kept either.
    personal = dropped_findings([(n, t, personal_columns(s, t)) for n, s, t in tables])
    try:
        return _check_set(tables, as_at, stage, label, personal)
    except FileRejected as exc:
        return ValidationReport(file_name=label, problems=[exc.finding], warnings=personal), []


def _check_set(
    files: list[tuple[str, Source, Table]],
    as_at: date | None,
    stage: Path,
    label: str,
    warnings: list[Finding],
) -> tuple[ValidationReport, list[MonthUnit]]:
    declared = declaration()
    reads: dict[str, Read] = {}
    lines: list[str] = []
    for name, source, table in files:
        if table.name in reads:
            raise _refuse(
                "ssd_table_twice",
                f"Two files are the SSD table {table.name}: {reads[table.name].file_name} "
                f"and {name}",
                "Send one file per table, all from the same night's extract.",
            )
        reads[table.name] = read_table(name, source, table)
    end = _extract_date(reads, as_at)
    months = _months(end, declared.months, _first_event(reads))
    extract = Extract(reads, months, council())
    units: list[MonthUnit] = []
    problems: list[Finding] = []
    for name, fill in FILLS.items():
        how = declared.fills[name]
        missing = [t for t in how["needs"] if t not in reads]
        title = get_return(name).title
        if missing or not months:
            why = f"needs {', '.join(missing)}" if missing else "no whole month"
            lines.append(f"{title}: not filled ({why})")
            continue
        rows = fill(extract)
        if not rows:
            lines.append(f"{title}: not filled (no table of it in the extract)")
            continue
        done, bad, notes = _checked(name, label, rows, stage)
        units += done
        problems += bad
        warnings += notes
        filled = sorted(rows)
        span = f"{filled[0]:%B %Y}" + (f" – {filled[-1]:%B %Y}" if len(filled) > 1 else "")
        cannot = f"; the SSD cannot give {how['cannot'].strip()}" if how["cannot"] else ""
        lines.append(f"{title}: {span}, {sum(u.rows for u in done):,} rows{cannot}")
    for read in reads.values():
        used = f"{len(read.frame):,} rows read" if read.table.columns else "not used"
        lines.append(f"{read.table.title} ({read.file_name}): {used}")
    lines += [f"Note: {note}" for note in extract.notes]
    if problems:
        units = []
    elif not units:
        problems.append(
            Finding(
                check="ssd_nothing_filled",
                message=f"{label}: no table in this extract fills a figure on the dashboard",
                fix="Load the SSD tables together: at least ssd_involvements and "
                "ssd_professionals (caseloads), or a visits or assessments table.",
            )
        )
    lines.insert(0, f"Extract of {end:%d %B %Y}: whole months only")
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
