"""Board mode: step through every area on the demo store; each figure is the metrics layer's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.board import FIRST_SCREEN_ROWS, first_screen
from metrics import api
from metrics.formatting import count_text, format_value, uk_month
from metrics.narrative import board_kpis
from metrics.status import AT_RISK, OFF_TRACK
from metrics.summary import summary
from reports.meetings import compare_month
from reports.pack import comparison_csv
from tests.conftest import app_reads
from ui.navigation import PAGES
from ui.state import AS_AT_KEY, month_key

ROOT = Path(__file__).resolve().parent.parent
BOARD = "app_pages/board.py"
STATE = "State of the service"
PREVIOUS, NEXT, FIRST, LAST = "◀ Previous", "Next ▶", "« First", "Last »"
# A month a figure is compared with: "from 86.0% in March 2021", "no change on March 2021",
# "(March 2021: 7)". "Last met in January 2022" says when a passed target was last met: a
# fact about the target, not a second base month.
COMPARED = re.compile(
    r"(?:(?<!last met )\bin|\bon|\() ((?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December) \d{4})"
)


@pytest.fixture(scope="module")
def db(demo_db: Path) -> Iterator[Path]:
    with app_reads(demo_db):
        yield demo_db


def _board(month=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    if month is not None:
        at.sidebar.selectbox(key=AS_AT_KEY).select(month_key(month)).run()
    at.switch_page(BOARD).run()
    assert not at.exception
    return at


def _figure(at: AppTest) -> tuple[str, float]:
    """The big headline figure on screen and its font size in pixels on a 1920 px screen
    (the size is given in ``vw``, so it scales with the screen's width)."""
    html = next(m.value for m in at.markdown if "csc-board-figure" in m.value)
    value = re.search(r'class="csc-board-figure">([^<]*)<', html).group(1)
    css = " ".join(h.value for h in at.get("html"))
    size = re.search(r"csc-board-figure \{\{?\s*font-size:([\d.]+)vw", css)
    return value, float(size.group(1)) * 19.2 if size else 0


def _expected(db: Path, k, month) -> str:
    frame = api.kpi_values(db, [k.id], months=[month], teams=["ALL"])
    return format_value(frame["value"].iloc[0], k.unit)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_board_mode_is_in_the_navigation() -> None:
    assert BOARD in {entry.path for entry in PAGES}


def _html(at: AppTest) -> str:
    return " ".join(h.value for h in at.get("html"))


def test_the_first_screen_is_the_state_of_the_service_then_the_exceptions(db: Path) -> None:
    """Screen 1 is the summary: its headline and every exception, the same list as
    ``metrics show``; then one exception a screen in the summary's order, and round again.
    Each screen names only the "compare with" month (never the status reason's month
    before), and a percentage has its counts beside it."""
    month = api.months(db)[-1]
    compare = compare_month(db, month)
    state = summary(db, month)
    at = _board()
    assert at.title[0].value == STATE
    shown = " ".join(m.value for m in at.markdown)
    assert state.headline in shown and "What next" in shown
    table = unescape(_html(at))
    rows, named = first_screen(state.exceptions)
    assert sorted(x.kpi for x in rows + named) == sorted(x.kpi for x in state.exceptions)
    for line in rows:
        assert line.measure in table and line.since in table
    for line in named:  # more than a screen's rows: the rest named in one line, with icons
        assert f"{line.icon} {line.short}" in unescape(shown)
    assert 'aria-live="polite"' in table and f"Screen 1 of {len(state.exceptions) + 1}" in table
    kpis = board_kpis(db, month)
    assert [k.id for k in kpis] == [x.kpi for x in state.exceptions]
    for i, k in enumerate(kpis, start=1):
        _button(at, NEXT).click().run()
        assert not at.exception
        assert at.title[0].value == k.title
        shown = " ".join(m.value for m in at.markdown)
        assert f"Measure {i} of {len(kpis)}" in shown and "What next: " in shown
        value, size = _figure(at)
        assert value == _expected(db, k, month)
        assert size >= 96  # at 1920 px wide
        line = next(x for x in state.lines if x.kpi == k.id)
        screen = unescape(shown)
        assert line.since in screen
        assert set(COMPARED.findall(screen)) <= {uk_month(compare)}, k.id
        if k.unit == "percent":
            row = api.kpi_values(db, [k.id], months=[month], teams=["ALL"]).iloc[0]
            assert f"({count_text(row['numerator'], row['denominator'])})" in screen
    _button(at, NEXT).click().run()
    assert at.title[0].value == STATE  # wrapped round


def test_a_first_screen_with_more_exceptions_than_rows_keeps_off_track_ones_as_rows(
    db: Path,
) -> None:
    """18 exceptions, 5 of them off track (as a council in intervention may have): the table
    keeps the 5, the other 13 are named; 12 or fewer are all rows."""
    line = summary(db, api.months(db)[-1]).lines[0]
    lines = [replace(line, kpi=f"k{i}", status=OFF_TRACK if i < 5 else AT_RISK) for i in range(18)]
    rows, named = first_screen(lines)
    assert [x.kpi for x in rows] == [f"k{i}" for i in range(5)]
    assert [x.kpi for x in named] == [f"k{i}" for i in range(5, 18)]
    assert first_screen(lines[:FIRST_SCREEN_ROWS]) == (lines[:FIRST_SCREEN_ROWS], [])
    many = [replace(x, status=OFF_TRACK) for x in lines]  # more off track than rows
    rows, named = first_screen(many)
    assert rows == many[:FIRST_SCREEN_ROWS] and named == many[FIRST_SCREEN_ROWS:]


def test_every_measure_on_request_and_a_jump_by_name(db: Path) -> None:
    month = api.months(db)[-1]
    state = summary(db, month)
    at = _board()
    at.toggle(key="board:every").set_value(True).run()
    names = at.selectbox(key="board:jump").options
    assert names == [STATE, *(x.measure for x in state.lines)]
    calm = next(x for x in state.lines if x.status == "on track")
    at.selectbox(key="board:jump").select(calm.measure).run()
    assert not at.exception and at.title[0].value == calm.measure
    shown = " ".join(m.value for m in at.markdown)
    assert f"Measure {state.lines.index(calm) + 1} of {len(state.lines)}" in shown


def test_previous_first_and_last_and_the_as_at_month(db: Path) -> None:
    month = api.months(db)[-13]
    at = _board(month)
    kpis = board_kpis(db, month)
    _button(at, PREVIOUS).click().run()  # from the first screen wraps to the last measure
    assert at.title[0].value == kpis[-1].title
    assert _figure(at)[0] == _expected(db, kpis[-1], month)
    _button(at, FIRST).click().run()
    assert at.title[0].value == STATE
    _button(at, LAST).click().run()
    assert at.title[0].value == kpis[-1].title
    compare = at.selectbox(key=f"board:compare:{month_key(month)}")
    assert compare.value == compare_month(db, month)
    assert uk_month(compare.value) in " ".join(m.value for m in at.markdown)


def test_teams_furthest_off_track_are_listed(db: Path) -> None:
    at = _board()
    _button(at, NEXT).click().run()
    text = " ".join(m.value for m in at.markdown)
    assert "Teams furthest off track" in text


def test_how_we_compare_downloads_as_a_csv_with_the_dfe_symbols_key(db: Path) -> None:
    """The board page offers "How we compare" as a CSV (``reports.pack.comparison_csv``):
    prepared on request, and its last rows are the DfE's symbols with their meanings."""
    at = _board()
    assert not [d for d in at.get("download_button") if "How we compare" in str(d.proto.label)]
    _button(at, "Prepare How we compare (CSV)").click().run()
    assert not at.exception
    [download] = [d for d in at.get("download_button") if "How we compare" in d.proto.label]
    assert download.proto.label == "Download How we compare (CSV)"
    month = api.months(db)[-1]
    text = comparison_csv(db, month).decode("utf-8-sig")
    assert "DfE symbol,c,suppressed to protect confidentiality" in text


def test_a_measure_s_screen_says_its_commentary_and_its_action_once(db: Path) -> None:
    """The demo's March 2022 words on workers above their cap (demo/actions.py): the
    commentary under "What the figure says", the action with its owner, due date and past
    due as the screen's "What next" line, and the action nowhere else on the screen."""
    month = api.months(db)[-1]
    line = next(x for x in summary(db, month).lines if x.kpi == "caseload_workers_over_cap")
    at = _board(month)
    at.selectbox(key="board:jump").select(line.measure).run()
    assert not at.exception and at.title[0].value == line.measure
    shown = unescape(" ".join(m.value for m in at.markdown))
    assert "What the figure says" in shown and "Still one worker over the cap" in shown
    assert line.action is not None and line.action.endswith("past due.")
    assert f"What next: {line.action}" in shown
    assert shown.count("Recruit agency cover for the two vacant Safeguarding 2 posts.") == 1
