"""Exceptions first, in real Chromium at 1366 × 768 and 1920 × 1080: the overview shows every
measure off track (the same list ``python -m metrics show`` prints), and an area page opens
on a status strip naming each of its measures, with its team table showing the "as at" month
without scrolling sideways.

Two page loads a size; the board's screens are checked in ``test_board.py``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from metrics import api
from metrics.status import OFF_TRACK
from metrics.summary import summary
from tests.e2e.browser import assert_no_exception, open_page
from tests.e2e.conftest import ROOT, SCREENSHOTS

pytestmark = pytest.mark.e2e

SIZES = [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}]
AREA = "visits"


def _shown_off_track(db, month) -> list[str]:
    """The measures ``python -m metrics show`` prints as off track, by title, in its order."""
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "show", "--db", str(db), "--month", f"{month:%Y-%m}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    short = {k.short_title: k.title for k in api.all_kpis()}
    lines = [x.strip() for x in out.splitlines() if f"✖ {OFF_TRACK}" in x]
    return [next(short[s] for s in short if x.startswith(f"{s} ")) for x in lines]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_red_is_on_the_overview_and_the_area_opens_on_its_status(
    page: Page, app_url: str, e2e_store, size: dict
) -> None:
    db, month = e2e_store.db, e2e_store.latest
    reds = [x.measure for x in summary(db, month).with_status(OFF_TRACK)]
    assert reds == _shown_off_track(db, month)  # the CLI prints the same list
    page.set_viewport_size(size)
    open_page(page, f"{app_url}/", as_at=month)
    rows = page.locator(".csc-summary tbody tr").filter(has_text=f"✖ {OFF_TRACK}")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == reds
    tag = f"{size['width']}x{size['height']}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"overview_{tag}.png")

    open_page(page, f"{app_url}/{AREA}", as_at=month)
    area = next(a for a in api.areas() if a.id == AREA)
    strip = page.locator("ul.csc-strip")
    for k in area.kpis:
        expect(strip).to_contain_text(k.short_title)
    # The team table's first month is the "as at" month, after each team's signal in it, on
    # screen without scrolling sideways.
    header = page.locator("table").filter(has_text="by team and month").first.locator("thead th")
    expect(header.nth(1)).to_have_text(f"Signal, {month:%b %Y}")
    first = header.nth(2)
    expect(first).to_have_text(f"{month:%b %Y}")
    # Scrolled down to, never sideways: the page scrolls, the table's own box stays put.
    first.evaluate(
        "el => { const main = document.querySelector('[data-testid=\"stMain\"]');"
        " main.scrollTop += el.getBoundingClientRect().top - 200; }"
    )
    assert first.evaluate("el => el.closest('[role=region]').scrollLeft") == 0
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    page.screenshot(path=SCREENSHOTS / f"area_{AREA}_{tag}.png")
    assert_no_exception(page)
