"""Property tests: whatever bytes arrive, the reader and the date parser answer cleanly.

Any byte string either becomes checked rows or is refused with ``FileRejected`` (a refused
``FileCheck`` through ``check_file``) — never an unhandled exception. Dates either parse to a
real calendar date or to NaT.
"""

from __future__ import annotations

import calendar
import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.check.validate import parse_dates
from etl.read import reader
from etl.read.reader import read_return
from etl.report import FileRejected
from etl.write.load import check_file
from tests.conftest import problem_lines

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(
    ["caseloads_2021-06.csv", "icpc_2021-06.csv", "visits_2021-06.xlsx", "x.csv", "../a b;.csv"]
)
HEADER = "worker_id,team,role,fte,agency,caseload"
CELL = st.one_of(
    st.sampled_from(["W1", "QSW", "1", "0.5", "N", "Y", "", "-3", "=1+1", '"', "\r", "\n"]),
    st.text(max_size=8),
)


def _csv_like() -> st.SearchStrategy[bytes]:
    """A real header then rows of odd cells, in odd encodings: reaches the checks, not just
    the first refusal."""
    rows = st.lists(st.lists(CELL, min_size=0, max_size=8).map(",".join), max_size=6)
    text = rows.map(lambda rs: "\n".join([HEADER, *rs]))
    return st.tuples(text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])).map(
        lambda t: t[0].encode(t[1], errors="replace")
    )


def _read_cleanly(name: str, data: bytes) -> None:
    try:
        raw = read_return(name, data)
        frames = list(raw.chunks)  # a later chunk may still be refused
    except FileRejected as exc:
        assert exc.finding.message  # a refusal always says why
        return
    assert list(frames[0].columns) and sum(len(f) for f in frames) > 0


@SETTINGS
@given(name=NAMES, data=st.binary(max_size=2048))
def test_any_bytes_are_read_or_refused_cleanly(name: str, data: bytes) -> None:
    _read_cleanly(name, data)


@SETTINGS
@given(data=_csv_like())
def test_csv_like_files_are_checked_or_refused_cleanly(data: bytes) -> None:
    fc = check_file("caseloads_2021-06.csv", data)
    if fc.accepted:
        assert fc.report.rows == len(fc.checked.frame()) > 0
        frame = fc.checked.frame()
        assert ((frame["fte"] > 0) & (frame["fte"] <= 1)).all()
        assert ((frame["caseload"] >= 0) & (frame["caseload"] % 1 == 0)).all()
    else:
        assert fc.report.problems and fc.report.summary()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_csv_like())
def test_chunked_checks_agree_with_whole_file_checks(data: bytes) -> None:
    """Read two rows at a time (as a file of 200,000+ rows is read 100,000 at a time), a file
    gets the same verdict and the same problems, rows and row numbers as read in one go."""
    whole = check_file("caseloads_2021-06.csv", data)
    original = reader.CHUNK_ROWS
    reader.CHUNK_ROWS = 2
    try:
        chunked = check_file("caseloads_2021-06.csv", data)
    finally:
        reader.CHUNK_ROWS = original
    assert chunked.accepted == whole.accepted
    assert problem_lines(chunked) == problem_lines(whole)
    assert chunked.report.rows == whole.report.rows


DATEISH = st.one_of(
    st.text(max_size=24),
    st.from_regex(r"\d{1,4}[-/. ]\d{1,2}[-/. ]\d{1,4}( \d{1,2}:\d{2})?", fullmatch=True),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)


@SETTINGS
@given(values=st.lists(DATEISH, max_size=20))
def test_the_date_parser_gives_real_dates_or_nothing(values: list[str]) -> None:
    parsed = parse_dates(pd.Series(values, dtype="str"))
    assert len(parsed) == len(values)
    for text, value in zip(values, parsed, strict=True):
        if pd.isna(value):
            continue
        # A parsed date is one the text really names: its year and day appear in it.
        day = int(value.day)
        assert 1 <= day <= calendar.monthrange(value.year, value.month)[1]
        assert str(value.year) in text and re.search(rf"(?<!\d)0?{day}(?!\d)", text), text


@SETTINGS
@given(day=st.integers(1, 40), month=st.integers(0, 14), year=st.integers(1990, 2100))
def test_uk_dates_parse_exactly_when_they_exist(day: int, month: int, year: int) -> None:
    parsed = parse_dates(pd.Series([f"{day:02d}/{month:02d}/{year}"], dtype="str")).iloc[0]
    exists = 1 <= month <= 12 and day <= calendar.monthrange(year, month)[1]
    if exists:
        assert (parsed.year, parsed.month, parsed.day) == (year, month, day)
    else:
        assert pd.isna(parsed)  # 31/02, month 13 and day 40 are never rolled over
