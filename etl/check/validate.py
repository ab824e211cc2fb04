"""Check a read return before anything is written: typing, then its Great Expectations suite.

Typing turns the strings into dates, numbers, flags and canonical codes; a value that will
not parse is a problem reported like any other. The typed frame then goes through the
return's expectation suite (``expectations/<return>.json``), run by Great Expectations.
Both kinds of check end up in one ``ValidationReport`` so the analyst sees one list.
Several files of one return can be checked in one suite run (``check_returns``), each
still given the verdict and report it gets alone.
"""

from __future__ import annotations

import calendar
import itertools
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.check.date_checks import DateOrder, MonthSpread, RowMonth
from etl.check.staging import (
    LATEST_DATE_COLUMN,
    ROW_COLUMN,
    WHOLE_FILE,
    expectation_column,
    expectation_finding,
    staged_schema,
)
from etl.check.whole_file import files_failing, whole_file_findings
from etl.read.reader import RawReturn
from etl.report import EXAMPLE_ROWS, Finding, ValidationReport
from etl.returns import Column, ReturnSpec
from etl.workdays import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:  # Great Expectations itself is imported on first use: it takes seconds
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.validation_definition import ValidationDefinition

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
log = logging.getLogger(__name__)

TRUE_FLAGS = {"Y", "YES", "TRUE", "1", "T"}
FALSE_FLAGS = {"N", "NO", "FALSE", "0", "F"}
#: A time after the date, perhaps with a zone: ISO's ``Z`` (UTC) or an offset (``+01:00``).
ZONE = r"(?:Z|[+-]\d{2}:?\d{2})"
TIME_PART = rf"(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?{ZONE}?)?"
#: Where the council's clocks are: a time given in UTC is read as the time in England.
LOCAL_ZONE = "Europe/London"
DATE_FORMATS = [  # (pattern over the whole cell, strptime format of the date part)
    (rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}{TIME_PART}", "%Y-%m-%d"),
    (rf"\d{{1,2}}/\d{{1,2}}/\d{{4}}{TIME_PART}", "%d/%m/%Y"),
    (rf"\d{{1,2}}-\d{{1,2}}-\d{{4}}{TIME_PART}", "%d-%m-%Y"),
    (rf"\d{{1,2}}\.\d{{1,2}}\.\d{{4}}{TIME_PART}", "%d.%m.%Y"),
    (rf"\d{{1,2}} [A-Za-z]{{3}} \d{{4}}{TIME_PART}", "%d %b %Y"),
    (rf"\d{{1,2}}-[A-Za-z]{{3}}-\d{{4}}{TIME_PART}", "%d-%b-%Y"),
]
MAX_TEXT = 100
MIN_YEAR, MAX_YEAR = 1700, 2200  # well inside what pandas' datetime64[ns] can hold


@dataclass
class CheckedReturn:
    """A file after every check: the report, and the typed rows if it passed."""

    raw: RawReturn
    staged: Path  # the typed rows as Parquet: canonical columns in declared order, then _row
    report: ValidationReport

    def frame(self) -> pd.DataFrame:
        """The typed rows (read back whole: for small files and tests)."""
        return pd.read_parquet(self.staged).drop(columns=ROW_COLUMN)

    @property
    def spec(self) -> ReturnSpec:
        return self.raw.spec


@dataclass
class MonthUnit:
    """The rows that replace one return's month (or, for a reference return, its keys).

    A monthly file is one unit; an Annex A workbook is one unit per return and month it
    fills. ``origin`` says which ("return" or "annex_a"), so that months filled by one are
    never silently replaced by the other.
    """

    spec: ReturnSpec
    month: date | None
    staged: Path
    rows: int
    origin: str = "return"
    #: This unit's own warnings when they are not the file's: an Annex A workbook's unit has
    #: only its return's lists' warnings, counted over the month's rows (Data quality compares
    #: them with the unit's rows). None: the file's report is the unit's.
    warnings: list[Finding] | None = None

    @property
    def what(self) -> str:
        return f"{self.spec.title} for {self.month:%B %Y}" if self.month else self.spec.title

    @classmethod
    def of(cls, checked: CheckedReturn) -> MonthUnit:
        return cls(checked.spec, checked.raw.month, checked.staged, checked.report.rows)


def parse_dates(values: pd.Series) -> pd.Series:
    """UK (31/05/2021), ISO (2021-05-31) and a few Excel forms → datetime64; else NaT.

    Each form is tried only on the cells no earlier form matched (the patterns cannot match
    the same text), so a column written one way costs one pass, not six.
    """
    text = values.fillna("").astype("str").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    left = text[text != ""]
    for pattern, fmt in DATE_FORMATS:
        if left.empty:
            break
        hit = left.str.fullmatch(pattern)
        if not hit.any():
            continue
        if " " in fmt:
            date_part = left[hit].str.slice(0, 11).str.strip()
        else:
            date_part = left[hit].str.replace(r"[ T].*$", "", regex=True)  # drop a time
        parsed = pd.to_datetime(date_part, format=fmt, errors="coerce")
        # Years a nanosecond timestamp cannot hold (e.g. 2263) are keying errors: NaT, so
        # they are reported as "not real dates" instead of crashing the load.
        out[parsed.index] = parsed.mask(~parsed.dt.year.between(MIN_YEAR, MAX_YEAR))
        left = left[~hit]
    return out


#: The time of day at the end of a date-time cell: ``18:30``, ``18:30:00`` or ``18:30:00.000``.
CLOCK = rf"[ T](\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?(?:\.\d+)?{ZONE}?$"


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Date-times (``02/04/2021 18:30``, ``2021-04-02T18:30:00``) → datetime64; else NaT.

    The date is read as ``parse_dates`` reads it. The time must be there and real (``24:00``
    and ``18:60`` are not): a deadline on the clock, such as "by 10:00 the next working day",
    cannot be judged from a date alone, and midnight must not be guessed.
    """
    text = values.fillna("").astype("str").str.strip()
    clock = text.str.extract(CLOCK).apply(pd.to_numeric)
    hours, minutes, seconds = clock[0], clock[1], clock[2].fillna(0)
    real = hours.lt(24) & minutes.lt(60) & seconds.lt(60)
    time_of_day = pd.to_timedelta(hours * 3600 + minutes * 60 + seconds, unit="s")
    out = (parse_dates(text) + time_of_day).where(real)
    zone = text.str.extract(rf"[ T][\d:.]+({ZONE})$")[0]
    zoned = zone.notna() & out.notna()
    if zoned.any():  # an instant in UTC (or at an offset from it) → the time in England
        sign = zone[zoned].str[0].map({"Z": 0, "+": 1, "-": -1})
        digits = zone[zoned].str.replace(r"\D", "", regex=True).str.pad(4, fillchar="0")
        offset = sign * (digits.str[:2].astype(int) * 60 + digits.str[2:].astype(int))
        utc = out[zoned] - pd.to_timedelta(offset, unit="m")
        out[zoned] = utc.dt.tz_localize("UTC").dt.tz_convert(LOCAL_ZONE).dt.tz_localize(None)
    return out


def _unparsed(col: Column, text: pd.Series, parsed: pd.Series, what: str, fix: str) -> Finding:
    bad = (text != "") & parsed.isna()
    rows = [int(i) + 2 for i in bad[bad].index]
    return Finding(
        check=f"values_are_{col.type}",
        message=f"{col.name} has values that are not {what}",
        column=col.name,
        rows_affected=len(rows),
        example_rows=rows[:10],
        fix=fix,
    )


def _type_column(col: Column, text: pd.Series) -> tuple[pd.Series, Finding | None]:
    """One column from strings to its declared type, with a finding for unreadable cells."""
    text = text.fillna("").astype("str").str.strip()
    blank = text == ""
    if col.type in ("id", "text"):
        limit = col.max_length or MAX_TEXT
        too_long = text.str.len() > limit
        if too_long.any():
            rows = [int(i) + 2 for i in too_long[too_long].index]
            return text, Finding(
                check="text_length",
                message=f"{col.name} has values longer than {limit:,} characters",
                column=col.name,
                rows_affected=len(rows),
                example_rows=rows[:10],
                fix=f"Shorten {col.name} to at most {limit:,} characters."
                if col.free_text
                else "Check the column holds what its heading says.",
            )
        return text.mask(blank), None
    if col.type == "code":
        upper = text.str.upper()
        return upper.replace(col.code_aliases).mask(blank), None
    if col.type == "flag":
        upper = text.str.upper()
        parsed = pd.Series(pd.NA, index=text.index, dtype="boolean")
        parsed[upper.isin(TRUE_FLAGS)] = True
        parsed[upper.isin(FALSE_FLAGS)] = False
        bad = ~blank & parsed.isna()
        return parsed, (
            _unparsed(col, text, parsed, "Y or N", "Use Y or N.") if bad.any() else None
        )
    if col.type == "date":
        parsed = parse_dates(text)
        bad = ~blank & parsed.isna()
        what = "real dates"
        return parsed, (
            _unparsed(col, text, parsed, what, "Use DD/MM/YYYY.") if bad.any() else None
        )
    if col.type == "datetime":
        parsed = parse_datetimes(text)
        bad = ~blank & parsed.isna()
        fix = "Use DD/MM/YYYY HH:MM (24-hour clock), e.g. 02/04/2021 18:30."
        return parsed, (
            _unparsed(col, text, parsed, "dates with a time", fix) if bad.any() else None
        )
    # number / integer
    numeric = pd.to_numeric(text.mask(blank), errors="coerce").astype("float64")
    bad = ~blank & numeric.isna()
    if col.type == "integer":
        fractional = numeric.notna() & (numeric % 1 != 0)
        bad |= fractional
        numeric = numeric.mask(fractional)
    if bad.any():
        what = "whole numbers" if col.type == "integer" else "numbers"
        return numeric, _unparsed(col, text, numeric, what, f"Use {what} only in {col.name}.")
    return numeric, None


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def date_window(month: date | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Dates must lie from 1 January 2000 to the end of the month after the return month.

    The upper bound is the last instant of that day, so a date-time at 18:30 on it is inside.
    """
    if month is None:
        today = date.today()
        upper = date(today.year + 1, 12, 31)
    else:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        upper = _month_end(nxt)
    last_instant = pd.Timestamp(upper) + pd.Timedelta(days=1, microseconds=-1)
    return pd.Timestamp(FIRST_YEAR, 1, 1), last_instant


@cache
def _validation_definition(return_name: str, suite_path: str, whole_file: bool):
    """Build (once per process) the GX objects that run one stored suite: all of it, or only
    the expectations that judge rows one at a time."""
    import great_expectations as gx

    context = _context()
    with open(suite_path, encoding="utf-8") as fh:
        suite_dict = json.load(fh)
    name = return_name if whole_file else f"{return_name}-rows"
    if not whole_file:
        suite_dict["expectations"] = [
            e for e in suite_dict["expectations"] if e["type"] not in WHOLE_FILE
        ]
    suite_dict["name"] = name
    suite = context.suites.add(gx.ExpectationSuite(**suite_dict))
    asset = context.data_sources.get("returns").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name)
    return context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name=name)
    )


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs its set-up at INFO (temporary folders, docs sites): noise to an analyst.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("returns")
    return context


def _gx_rows(frame: pd.DataFrame, month: date | None) -> pd.DataFrame:
    """A file's typed rows as its suite reads them: each with the latest date its month allows."""
    return frame.assign(**{LATEST_DATE_COLUMN: date_window(month)[1]})


def _gx_run(
    definition: ValidationDefinition, rows: pd.DataFrame, result_format: str
) -> ExpectationSuiteValidationResult:
    """One run of a suite over ``rows`` (``_gx_rows``), with the parameters every run shares."""
    return definition.run(
        batch_parameters={"dataframe": rows},
        expectation_parameters={
            "min_date": date_window(None)[0],
            "max_future_date": pd.Timestamp(LAST_YEAR, 12, 31, 23, 59, 59),
        },
        result_format=result_format,
    )


def _gx_findings(
    spec: ReturnSpec, frame: pd.DataFrame, month: date | None, whole_file: bool
) -> list[Finding]:
    definition = _validation_definition(spec.name, str(spec.suite_path), whole_file)
    rows = _gx_rows(frame, month)
    # Most files pass: a yes/no run is quickest. Only a failing chunk is run again for the
    # counts and row numbers its report needs.
    if _gx_run(definition, rows, "BOOLEAN_ONLY").success:
        return []
    result = _gx_run(definition, rows, "COMPLETE")
    findings = []
    for res in result.results:
        if res.success:
            continue
        cfg = res.expectation_config
        kwargs = cfg.kwargs
        meta = cfg.meta or {}
        if res.exception_info and res.exception_info.get("raised_exception"):
            log.error("expectation %s could not run", cfg.type)
            findings.append(
                Finding(
                    cfg.type,
                    f"The check '{meta.get('message', cfg.type)}' could not run",
                    expectation_column(kwargs, meta),
                )
            )
            continue
        index = res.result.get("unexpected_index_list") or []
        rows_at = sorted({int(i) + 2 for i in index if isinstance(i, int)})
        count = res.result.get("unexpected_count") or len(rows_at)
        findings.append(expectation_finding(cfg.type, kwargs, meta, int(count), rows_at))
    return findings


class _Tally:
    """Findings from every chunk, merged: one per check and column, rows added up."""

    def __init__(self) -> None:
        self._found: dict[tuple, Finding] = {}

    def add(self, finding: Finding) -> None:
        key = (finding.check, finding.column, finding.message)
        seen = self._found.get(key)
        if seen is None:
            self._found[key] = finding
            return
        seen.rows_affected += finding.rows_affected
        seen.example_rows = (seen.example_rows + finding.example_rows)[:EXAMPLE_ROWS]

    def findings(self) -> list[Finding]:
        return list(self._found.values())


def _type_frame(spec: ReturnSpec, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Finding]]:
    typed: dict[str, pd.Series] = {}
    problems: list[Finding] = []
    for col in spec.columns:
        text = raw[col.name] if col.name in raw else pd.Series("", index=raw.index)
        typed[col.name], finding = _type_column(col, text)
        if finding:
            problems.append(finding)
    return pd.DataFrame(typed), problems


def _check_chunk(
    spec: ReturnSpec, raw: pd.DataFrame, month: date | None, whole_file: bool
) -> tuple[pd.DataFrame, list[Finding]]:
    frame, problems = _type_frame(spec, raw)
    unreadable = {f.column for f in problems}
    for finding in _gx_findings(spec, frame, month, whole_file):
        # A value that would not parse is reported already: "blank" should count only the
        # cells that really are blank.
        if finding.check == "expect_column_values_to_not_be_null" and finding.column in unreadable:
            blank = raw[finding.column].fillna("").astype("str").str.strip() == ""
            rows = [int(i) + 2 for i in blank[blank].index]
            if not rows:
                continue
            finding.rows_affected, finding.example_rows = len(rows), rows[:EXAMPLE_ROWS]
        problems.append(finding)
    return frame, problems


def blank_optional_warnings(spec: ReturnSpec, blanks: dict[str, int]) -> list[Finding]:
    """One warning per optional column blank on some rows (``blanks``: column -> rows)."""
    return [
        Finding(
            check="optional_blank",
            message=f"{col.name} is blank on {blanks[col.name]:,} row(s) (allowed: "
            f"{col.description.split(';')[-1].strip().rstrip('.')})",
            column=col.name,
            rows_affected=blanks[col.name],
        )
        for col in spec.columns
        if not col.required and blanks.get(col.name)
    ]


def check_return(raw: RawReturn, stage: Path) -> CheckedReturn:
    """Type the rows and run every check, a chunk at a time; nothing is written to the store.

    Typed rows are staged as Parquet in the folder ``stage`` (the loader's to clean up), so
    a file of any size is checked and then loaded without being held in memory whole.
    """
    first = next(raw.chunks)
    second = next(raw.chunks, None)
    whole_file = second is None  # one chunk: the whole suite runs in Great Expectations
    chunks = itertools.chain([first], [] if whole_file else [second], raw.chunks)
    checked = ((c, *_check_chunk(raw.spec, c, raw.month, whole_file)) for c in chunks)
    return _checked_return(raw, stage, first, checked, whole_file_by_duckdb=not whole_file)


def _checked_return(
    raw: RawReturn,
    stage: Path,
    first: pd.DataFrame,
    checked: Iterable[tuple[pd.DataFrame, pd.DataFrame, list[Finding]]],
    whole_file_by_duckdb: bool,
) -> CheckedReturn:
    """Stage a file's checked chunks (each: its rows as read, typed, and their findings) and
    add the checks of the file as a whole; with ``whole_file_by_duckdb``, the suite's
    whole-file expectations too, over the staged rows (else they ran with the rest, or are
    the caller's to run)."""
    spec = raw.spec
    tally = _Tally()
    blanks: dict[str, int] = {}
    staged = Path(stage) / f"{spec.name}.parquet"
    rows = 0
    # An optional column left out of the file is not "blank on every row": no warning.
    absent = {c.name for c in spec.columns if c.optional and c.name not in first}
    schema = staged_schema(spec)
    order, spread = DateOrder(spec), MonthSpread(spec)
    in_month = RowMonth(spec, raw.month if raw.dates_in_month else None)
    with pq.ParquetWriter(staged, schema) as writer:
        for chunk, frame, problems in checked:
            order.add(chunk, raw.month)
            for finding in problems:
                tally.add(finding)
            spread.add(frame)
            in_month.add(frame)
            for col in spec.columns:
                blanks[col.name] = blanks.get(col.name, 0) + int(frame[col.name].isna().sum())
            frame[ROW_COLUMN] = frame.index + 2
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            rows += len(frame)
    if whole_file_by_duckdb:
        for finding in whole_file_findings(spec, staged, stage):
            tally.add(finding)
    # Every dated row in one other month says the file is that month's: one finding, not two.
    elsewhere = None
    if raw.dates_in_month and raw.month and in_month.other_month is None:
        elsewhere = spread.finding(raw.month)
    for finding in (order.finding(), elsewhere, in_month.finding()):
        if finding:
            tally.add(finding)
    report = ValidationReport(
        file_name=raw.file_name,
        return_type=spec.name,
        month=raw.month.strftime("%Y-%m") if raw.month else None,
        rows=rows,
        problems=tally.findings(),
        warnings=raw.warnings
        + blank_optional_warnings(spec, {k: n for k, n in blanks.items() if k not in absent}),
    )
    return CheckedReturn(raw, staged, report)


def check_returns(raws: list[RawReturn], stages: list[Path]) -> list[CheckedReturn | Exception]:
    """Check several files of one return, each as ``check_return`` would check it alone.

    Great Expectations costs a fixed tenth of a second or so a run whatever the rows, so for
    many small files (a council's months of one return) that is most of the time. Here the
    rows of every file read in one chunk go through the suite's row-by-row expectations in
    one yes/no run: each row carries its own file's date window (``_gx_rows``), so a row's
    verdict does not depend on the other files. If every row passes, so does every file's
    row check, and the whole-file expectations (row count, unique keys) run in DuckDB over
    the staged rows, each file's on its own (``files_failing``), as for a file too big for
    one chunk. Any file a check fails — and every file of a batch whose yes/no run failed —
    is checked again alone, so its report (problems, counts, row numbers) is exactly the one
    ``check_return`` gives it.

    ``stages[i]`` is file ``i``'s staging folder. A file that could not be read gives, in its
    place, the exception ``check_return`` would have raised for it.
    """
    if len(raws) == 1:  # nothing to share a run with
        try:
            return [check_return(raws[0], stages[0])]
        except Exception as exc:
            return [exc]
    out: list[CheckedReturn | Exception | None] = [None] * len(raws)
    whole: list[tuple[int, pd.DataFrame]] = []
    for i, raw in enumerate(raws):
        try:
            first = next(raw.chunks)
            second = next(raw.chunks, None)
            if second is not None:  # more than one chunk: checked a chunk at a time, alone
                rest = itertools.chain([first, second], raw.chunks)
                out[i] = check_return(replace(raw, chunks=rest), stages[i])
            else:
                whole.append((i, first))
        except Exception as exc:  # the caller gives the file its verdict, as check_file does
            out[i] = exc
    typed = _typed_together(raws[0].spec, whole)
    if typed and _rows_pass(raws[0].spec, [_gx_rows(f, raws[i].month) for i, _, f, _ in typed]):
        for i, chunk, frame, problems in typed:
            alone = replace(raws[i], chunks=iter([chunk]))
            checked = [(chunk, frame, problems)]
            try:
                out[i] = _checked_return(alone, stages[i], chunk, checked, False)
            except Exception as exc:
                out[i] = exc
        done = [out[i] for i, *_ in typed]
        staged = [c.staged for c in done if isinstance(c, CheckedReturn) and c.report.accepted]
        failing = files_failing(raws[0].spec, staged, staged[0].parent) if staged else set()
        again = [
            (i, chunk)
            for i, chunk, *_ in typed
            if not isinstance(out[i], CheckedReturn)
            or not out[i].report.accepted
            or out[i].staged in failing
        ]
    else:
        again = [(i, chunk) for i, chunk, *_ in typed]
    for i, chunk in again:
        try:
            out[i] = check_return(replace(raws[i], chunks=iter([chunk])), stages[i])
        except Exception as exc:
            out[i] = exc
    return out  # type: ignore[return-value]  # every place is filled above


def _typed_together(
    spec: ReturnSpec, chunks: list[tuple[int, pd.DataFrame]]
) -> list[tuple[int, pd.DataFrame, pd.DataFrame, list[Finding]]]:
    """Each file's rows typed (``_type_frame``), as ``(i, rows as read, typed, findings)``.

    Typing is cell by cell, so the files' rows are typed in one pass (per file it was half
    a small file's check, pandas' fixed cost per column) and cut apart again, each keeping
    its own row numbers. A value that does not read gives findings whose row numbers would
    be the pass's, not the file's: then every file is typed alone.
    """
    if len(chunks) < 2:
        return [(i, chunk, *_type_frame(spec, chunk)) for i, chunk in chunks]
    frames = [chunk for _, chunk in chunks]
    frame, problems = _type_frame(spec, pd.concat(frames, ignore_index=True))
    if problems:
        return [(i, chunk, *_type_frame(spec, chunk)) for i, chunk in chunks]
    out = []
    start = 0
    for i, chunk in chunks:
        part = frame.iloc[start : start + len(chunk)]
        out.append((i, chunk, part.set_axis(chunk.index), []))
        start += len(chunk)
    return out


def _rows_pass(spec: ReturnSpec, frames: list[pd.DataFrame]) -> bool:
    """Whether every row of ``frames`` passes ``spec``'s row-by-row expectations (one run)."""
    definition = _validation_definition(spec.name, str(spec.suite_path), False)
    rows = pd.concat(frames, ignore_index=True)
    return _gx_run(definition, rows, "BOOLEAN_ONLY").success
