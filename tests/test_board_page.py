"""Board mode: step through every area on the demo store; each figure is the metrics layer's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics import api
from metrics.formatting import format_value, uk_month
from metrics.narrative import kpi_sentences
from reports.meetings import compare_month
from tests.conftest import app_reads
from ui.navigation import PAGES
from ui.state import AS_AT_KEY, month_key

ROOT = Path(__file__).resolve().parent.parent
BOARD = "app_pages/board.py"


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


def _figure(at: AppTest) -> tuple[str, int]:
    """The big headline figure on screen and its font size in pixels."""
    html = next(m.value for m in at.markdown if "csc-board-figure" in m.value)
    value = re.search(r'class="csc-board-figure">([^<]*)<', html).group(1)
    css = " ".join(h.value for h in at.get("html"))
    size = re.search(r"csc-board-figure \{font-size:(\d+)px", css)
    return value, int(size.group(1)) if size else 0


def _expected(db: Path, area, month) -> str:
    lead = area.kpis[0]
    frame = api.kpi_values(db, [lead.id], months=[month], teams=["ALL"])
    return format_value(frame["value"].iloc[0], lead.unit)


def test_board_mode_is_in_the_navigation() -> None:
    assert BOARD in {entry.path for entry in PAGES}


def test_next_steps_through_every_area_and_wraps(db: Path) -> None:
    month = api.months(db)[-1]
    at = _board()
    areas = api.areas()
    for i, area in enumerate([*areas, areas[0]]):
        if i:
            at.button[1].click().run()  # Next ▶
            assert not at.exception
        assert at.title[0].value == area.title
        value, size = _figure(at)
        assert value == _expected(db, area, month)
        assert size >= 48
        compare = compare_month(db, month)
        shown = [m.value for m in at.markdown]
        for sentence in kpi_sentences(db, area.kpis[0].id, month, compare):
            assert f"- {sentence}" in shown


def test_previous_goes_back_and_follows_the_as_at_month(db: Path) -> None:
    month = api.months(db)[-13]
    at = _board(month)
    areas = api.areas()
    at.button[0].click().run()  # ◀ Previous from the first area wraps to the last
    assert at.title[0].value == areas[-1].title
    assert _figure(at)[0] == _expected(db, areas[-1], month)
    compare = at.selectbox(key=f"board:compare:{month_key(month)}")
    assert compare.value == compare_month(db, month)
    assert uk_month(compare.value) in " ".join(m.value for m in at.markdown)


def test_teams_furthest_off_track_are_listed(db: Path) -> None:
    at = _board()
    text = " ".join(m.value for m in at.markdown)
    assert "Teams furthest off track" in text
