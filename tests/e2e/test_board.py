"""Board mode in a room, in real Chromium at 1920 × 1080 and on a laptop at 1366 × 768: a
presentation clicker's keys step from the state of the service through every exception,
every screen fits without scrolling with its "What next" line on screen, and every word (the
chart's too) is large enough at 1920 to read from the back.

A clicker sends Right / Page Down / Space forward and Left / Page Up back; the test presses
exactly those keys, with nothing focused but the page, as a clicker would.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from metrics import api
from metrics.formatting import format_value
from metrics.narrative import board_kpis
from metrics.status import OFF_TRACK
from metrics.summary import summary
from tests.e2e.browser import assert_no_exception, drawn_charts, open_page, static_charts, wait_idle
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.e2e

ROOM = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
TEXT_PX, CHART_TEXT_PX = 24, 24
STATE = "State of the service"
# How far the page scrolls and where the "What next" line ends, in CSS pixels.
_FIT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const next = document.querySelector('.csc-board-next');
  return {scroll: main.scrollHeight, height: innerHeight,
          next: next ? next.getBoundingClientRect().bottom : null};
}"""

# Every visible text in the main area, with its computed font size and whether it is a
# chart's (SVG) text. The sidebar is hidden when presenting, so it is not read here.
_TEXT_SIZES = """() => {
  const out = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.closest('[data-testid="stExpanderDetails"]')) continue;  // closed pack panel
    out.push({text: text.slice(0, 60), px: parseFloat(style.fontSize), chart: !!el.closest('svg')});
  }
  return out;
}"""


def _too_small(page: Page) -> list[dict]:
    """Texts smaller than a room can read: the page's, and the static chart's at the size
    its picture is drawn (its SVG font size times the picture's scale)."""
    chart_texts = [t for chart in static_charts(page) for t in chart["texts"]]
    assert chart_texts, "no chart text read"
    return [
        t
        for t in page.evaluate(_TEXT_SIZES)
        if t["px"] < (CHART_TEXT_PX if t["chart"] else TEXT_PX)
    ] + [t for t in chart_texts if t["px"] < CHART_TEXT_PX]


def _on_screen(page: Page, db, month, kpis, index: int) -> None:
    """Screen ``index``: 0 the state of the service, then the exceptions."""
    if index == 0:
        expect(page.locator('[data-testid="stMain"] h1')).to_have_text(STATE)
        return
    k = kpis[index - 1]
    expect(page.locator('[data-testid="stMain"] h1')).to_have_text(k.title)
    expect(page.locator(".csc-board-position")).to_contain_text(f"Measure {index} of {len(kpis)}")
    value = api.kpi_values(db, [k.id], months=[month], teams=[api.ALL])["value"].iloc[0]
    expect(page.locator(".csc-board-figure")).to_have_text(format_value(value, k.unit))


def _press(page: Page, key: str) -> None:
    """Press a key that moves to another screen, and wait until that screen is drawn: on a
    busy machine the run a key starts may not have begun when the page first looks idle,
    and a second key pressed then was lost."""
    position = page.locator(".csc-board-position")
    before = position.inner_text()
    page.keyboard.press(key)
    expect(position).not_to_have_text(before, timeout=30_000)
    wait_idle(page)


def _fits(page: Page) -> None:
    """No scrolling, and the "What next" line wholly on screen."""
    fit = page.evaluate(_FIT)
    fit["screen"] = page.locator('[data-testid="stMain"] h1').inner_text()  # for a failure
    assert fit["scroll"] <= fit["height"] + 1, fit
    assert fit["next"] is not None and fit["next"] <= fit["height"], fit


def _reds_on_the_first_screen(page: Page) -> list[str]:
    rows = page.locator(".csc-summary tbody tr").filter(has_text=f"✖ {OFF_TRACK}")
    return [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]


def test_a_clicker_steps_through_the_exceptions_and_every_screen_fits(
    page: Page, app_url: str, e2e_store
) -> None:
    db, month = e2e_store.db, e2e_store.latest
    kpis = board_kpis(db, month)
    state = summary(db, month)
    screens = len(kpis) + 1
    page.set_viewport_size(ROOM)
    open_page(page, f"{app_url}/board", as_at=month)
    page.get_by_text("Presenting (hide sidebar and banners)").click()
    wait_idle(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The first screen's reds are the summary's, the list `metrics show` prints.
    assert _reds_on_the_first_screen(page) == [x.measure for x in state.with_status(OFF_TRACK)]
    for index in range(screens):
        _on_screen(page, db, month, kpis, index)
        _fits(page)
        if index:
            assert drawn_charts(page) and all(drawn_charts(page))
            assert not _too_small(page), _too_small(page)[:10]
        if index < 3:
            page.screenshot(path=SCREENSHOTS / f"board_screen_{index + 1}_1920x1080.png")
        _press(page, "ArrowRight")
    _on_screen(page, db, month, kpis, 0)  # wrapped round to the state of the service
    _press(page, "PageUp")
    _on_screen(page, db, month, kpis, screens - 1)
    _press(page, "Home")
    _on_screen(page, db, month, kpis, 0)
    _press(page, "PageDown")
    _press(page, "Space")
    _on_screen(page, db, month, kpis, 2)
    expect(page.locator('[aria-live="polite"]')).to_contain_text(kpis[1].title)
    _press(page, "ArrowLeft")
    _on_screen(page, db, month, kpis, 1)
    # On a laptop (1366 × 768, a projector's usual size) every screen fits too.
    page.set_viewport_size(LAPTOP)
    _press(page, "Home")
    for index in range(screens):
        _on_screen(page, db, month, kpis, index)
        _fits(page)
        if index < 3:
            page.screenshot(path=SCREENSHOTS / f"board_screen_{index + 1}_1366x768.png")
        _press(page, "ArrowRight")
    assert_no_exception(page)
