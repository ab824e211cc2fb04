"""The exceptions-first summary (``metrics.summary``): its order, its counts, "since when",
the real changes, and ``python -m metrics show`` printing the same list.

The store is the tiny council of ``tests/test_metrics_kpis.py`` (two teams, April and May
2021), loaded through the real loader; its caseloads return is May's only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from metrics import api
from metrics.status import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK
from metrics.summary import (
    STATUS_ORDER,
    _moved,
    shortened,
    since_phrase,
    status_changes,
    summary,
)
from tests.test_metrics_kpis import MAY, build_store

ROOT = Path(__file__).resolve().parents[1]
M = [date(2021, m, 1) for m in range(8, 13)] + [date(2022, m, 1) for m in (1, 2, 3)]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("summary"))


def test_since_when_counts_the_unbroken_run_back_from_the_month() -> None:
    # Aug-Oct on track, Nov-Mar off track: the run began in November 2021.
    run = [(m, ON_TRACK) for m in M[:3]] + [(m, OFF_TRACK) for m in M[3:]]
    assert since_phrase(run, M[-1]) == "off track since November 2021"
    # Only March off track: its first month.
    assert since_phrase([(M[-2], ON_TRACK), (M[-1], OFF_TRACK)], M[-1]) == ("first month off track")
    # A month with no data breaks the run: off track Jan, no data Feb, off track Mar.
    broken = [(M[5], OFF_TRACK), (M[6], NO_DATA), (M[7], OFF_TRACK)]
    assert since_phrase(broken, M[-1]) == "first month off track"
    # Off track in all eight loaded months, August 2021 the first.
    assert since_phrase([(m, OFF_TRACK) for m in M], M[-1]) == (
        "off track in every month loaded, since August 2021"
    )
    # Asked as at February, March is ignored: at risk December to February.
    at = [(M[3], ON_TRACK), (M[4], AT_RISK), (M[5], AT_RISK), (M[6], AT_RISK), (M[7], ON_TRACK)]
    assert since_phrase(at, M[6]) == "at risk since December 2021"


def test_only_going_off_track_or_recovering_is_a_change() -> None:
    assert _moved(OFF_TRACK, ON_TRACK) == "went off track"
    assert _moved(OFF_TRACK, AT_RISK) == "went off track"
    assert _moved(ON_TRACK, OFF_TRACK) == "no longer off track, now on track,"
    assert _moved(AT_RISK, OFF_TRACK) == "no longer off track, now at risk,"
    assert _moved(OFF_TRACK, OFF_TRACK) is None  # still red: not news
    assert _moved(AT_RISK, ON_TRACK) is None  # amber and green moves are not exceptions
    assert _moved(OFF_TRACK, NO_DATA) is None  # nothing to compare with


def test_shortened_keeps_eight_lines_the_last_counting_the_rest() -> None:
    lines = [f"line {i}" for i in range(11)]
    # 11 lines: 7 kept, the 8th says the other 4.
    assert shortened(lines) == [*lines[:7], "And 4 more changes."]
    assert shortened(lines[:8]) == lines[:8]


def test_summary_is_every_measure_exceptions_first_in_area_order(small_db: Path) -> None:
    result = summary(small_db, MAY)
    judged = api.kpi_values(small_db, months=[MAY], teams=[api.ALL])
    assert sorted(line.kpi for line in result.lines) == sorted(judged["kpi"])
    for status in STATUS_ORDER:
        assert result.count(status) == int((judged["status"] == status).sum())
    areas = [a.id for a in api.areas()]
    keys = [(STATUS_ORDER.index(x.status), areas.index(x.area)) for x in result.lines]
    assert keys == sorted(keys)
    assert result.exceptions == [x for x in result.lines if x.status in (OFF_TRACK, AT_RISK)]
    assert result.headline.startswith(f"{result.count(OFF_TRACK)} of {len(result.lines)} ")
    # By hand: the highest caseload in May is W2's 26, over the limit of 25; caseloads were
    # sent for May only, so it is the measure's first month off track.
    top = next(x for x in result.lines if x.kpi == "caseload_highest")
    assert (top.value, top.status, top.since) == ("26", OFF_TRACK, "first month off track")
    # one month of caseloads: too few months for process limits (metrics.spc), no action written
    assert top.signal == "Not enough months yet" and top.action is None


def test_status_changes_name_their_measure_and_come_from_the_statuses(small_db: Path) -> None:
    april = date(2021, 4, 1)
    lines = status_changes(small_db, MAY, april)
    values = api.kpi_values(small_db, months=[april, MAY], teams=[api.ALL])
    council = values.pivot(index="kpi", columns="month", values="status").dropna()
    moved = [k for k, row in council.iterrows() if _moved(row[MAY], row[april])]
    titles = [api.kpi(k).title for k in moved]
    council_lines = [x for x in lines if x[0] in "✖▲✔"]
    assert sorted(titles) == sorted(x.split(":")[0][2:] for x in council_lines)
    assert all(
        x.split(":")[0] in {k.title for k in api.all_kpis()} for x in lines if x[0] not in "✖▲✔"
    )


def test_metrics_show_prints_the_summary_in_its_order(small_db: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "metrics", "show", "--db", str(small_db), "--month", "2021-05"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    result = summary(small_db, MAY)
    assert shown.stdout.splitlines()[0] == f"May 2021, whole council: {result.headline}"
    rows = [x for x in shown.stdout.splitlines()[2:] if "compared:" not in x and "signal:" not in x]
    assert len(rows) == len(result.lines)
    for row, line in zip(rows, result.lines, strict=True):
        assert line.short in row and line.status_text in row and line.since in row
