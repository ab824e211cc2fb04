"""Check a read return before anything is written: typing, then its Great Expectations suite.

Typing turns the strings into dates, numbers, flags and canonical codes; a value that will
not parse is a problem reported like any other. The typed frame then goes through the
return's expectation suite (``expectations/<return>.json``), run by Great Expectations.
Both kinds of check end up in one ``ValidationReport`` so the analyst sees one list.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandas as pd

from etl.reader import RawReturn
from etl.report import Finding, ValidationReport
from etl.returns import Column, ReturnSpec
from etl.workdays import FIRST_YEAR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
log = logging.getLogger(__name__)

TRUE_FLAGS = {"Y", "YES", "TRUE", "1", "T"}
FALSE_FLAGS = {"N", "NO", "FALSE", "0", "F"}
TIME_PART = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?"
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
    frame: pd.DataFrame  # typed, canonical columns in declared order
    report: ValidationReport

    @property
    def spec(self) -> ReturnSpec:
        return self.raw.spec


def parse_dates(values: pd.Series) -> pd.Series:
    """UK (31/05/2021), ISO (2021-05-31) and a few Excel forms → datetime64; else NaT."""
    text = values.fillna("").astype("str").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for pattern, fmt in DATE_FORMATS:
        hit = text.str.fullmatch(pattern)
        if hit.any():
            date_part = text[hit].str.split(r"[ T]", n=1, regex=True).str[0]
            if " " in fmt:
                date_part = text[hit].str.slice(0, 11).str.strip()
            parsed = pd.to_datetime(date_part, format=fmt, errors="coerce")
            # Years a nanosecond timestamp cannot hold (e.g. 2263) are keying errors: NaT, so
            # they are reported as "not real dates" instead of crashing the load.
            out[hit] = parsed.mask(~parsed.dt.year.between(MIN_YEAR, MAX_YEAR))
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
        too_long = text.str.len() > MAX_TEXT
        if too_long.any():
            rows = [int(i) + 2 for i in too_long[too_long].index]
            return text, Finding(
                check="text_length",
                message=f"{col.name} has values longer than {MAX_TEXT} characters",
                column=col.name,
                rows_affected=len(rows),
                example_rows=rows[:10],
                fix="Check the column holds what its heading says.",
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
    """Dates must lie from 1 January 2000 to the end of the month after the return month."""
    if month is None:
        today = date.today()
        upper = date(today.year + 1, 12, 31)
    else:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        upper = _month_end(nxt)
    return pd.Timestamp(FIRST_YEAR, 1, 1), pd.Timestamp(upper)


@cache
def _validation_definition(return_name: str, suite_path: str):
    """Build (once per process) the GX objects that run one stored suite."""
    import great_expectations as gx

    context = _context()
    with open(suite_path, encoding="utf-8") as fh:
        suite_dict = json.load(fh)
    suite = context.suites.add(gx.ExpectationSuite(**suite_dict))
    asset = context.data_sources.get("returns").add_dataframe_asset(return_name)
    batch = asset.add_batch_definition_whole_dataframe(return_name)
    return context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name=return_name)
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


def _gx_findings(spec: ReturnSpec, frame: pd.DataFrame, month: date | None) -> list[Finding]:
    definition = _validation_definition(spec.name, str(spec.suite_path))
    low, high = date_window(month)
    result = definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters={"min_date": low, "max_date": high},
        result_format="COMPLETE",
    )
    findings = []
    for res in result.results:
        if res.success:
            continue
        cfg = res.expectation_config
        kwargs = cfg.kwargs
        column = kwargs.get("column") or kwargs.get("column_A")
        if column is None and "column_list" in kwargs and len(kwargs["column_list"]) < 4:
            column = ", ".join(kwargs["column_list"])
        meta = cfg.meta or {}
        if res.exception_info and res.exception_info.get("raised_exception"):
            log.error("expectation %s could not run", cfg.type)
            findings.append(
                Finding(
                    cfg.type, f"The check '{meta.get('message', cfg.type)}' could not run", column
                )
            )
            continue
        index = res.result.get("unexpected_index_list") or []
        rows = sorted({int(i) + 2 for i in index if isinstance(i, int)})
        count = res.result.get("unexpected_count") or len(rows)
        findings.append(
            Finding(
                check=cfg.type,
                message=meta.get("message", cfg.type),
                column=column,
                rows_affected=int(count),
                example_rows=rows[:10],
                fix=meta.get("fix", ""),
            )
        )
    return findings


def _blank_optional_warnings(spec: ReturnSpec, frame: pd.DataFrame) -> list[Finding]:
    out = []
    for col in spec.columns:
        if col.required:
            continue
        blank = int(frame[col.name].isna().sum())
        if blank:
            out.append(
                Finding(
                    check="optional_blank",
                    message=f"{col.name} is blank on {blank:,} row(s) (allowed: "
                    f"{col.description.split(';')[-1].strip().rstrip('.')})",
                    column=col.name,
                    rows_affected=blank,
                )
            )
    return out


def check_return(raw: RawReturn) -> CheckedReturn:
    """Type the rows and run every check; nothing is written here."""
    spec = raw.spec
    typed: dict[str, pd.Series] = {}
    problems: list[Finding] = []
    for col in spec.columns:
        text = (
            raw.frame[col.name] if col.name in raw.frame else pd.Series("", index=raw.frame.index)
        )
        typed[col.name], finding = _type_column(col, text)
        if finding:
            problems.append(finding)
    frame = pd.DataFrame(typed)
    unreadable = {f.column for f in problems}
    for finding in _gx_findings(spec, frame, raw.month):
        # A value that would not parse is reported already: "blank" should count only the
        # cells that really are blank.
        if finding.check == "expect_column_values_to_not_be_null" and finding.column in unreadable:
            blank = raw.frame[finding.column].fillna("").astype("str").str.strip() == ""
            rows = [int(i) + 2 for i in blank[blank].index]
            if not rows:
                continue
            finding.rows_affected, finding.example_rows = len(rows), rows[:10]
        problems.append(finding)
    report = ValidationReport(
        file_name=raw.file_name,
        return_type=spec.name,
        month=raw.month.strftime("%Y-%m") if raw.month else None,
        rows=len(frame),
        problems=problems,
        warnings=raw.warnings + _blank_optional_warnings(spec, frame),
    )
    return CheckedReturn(raw, frame, report)
