"""The overview by its address, and Data quality's tables at a laptop's and a board screen's
width.

``/overview`` used to open Streamlit's "Page not found" dialog (its default page answers only
at the root). On Data quality the tables were clipped on the right at 1920 px, and "rows with
warnings" exceeded "rows" for the returns taken from the Annex A workbook.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.browser import VIEWPORTS, assert_no_exception, open_page, screenshots, wait_idle

#: Each table (Streamlit's data grid) as drawn: its box, and the main column's box it sits in.
_TABLES = """
() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]')
    .getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(t => {
    const r = t.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, main: {left: main.left,
            right: main.right}, viewport: window.innerWidth,
            scroll: t.querySelector('.dvn-scroller') ? t.querySelector('.dvn-scroller')
              .scrollWidth - t.querySelector('.dvn-scroller').clientWidth : null};
  });
}
"""


#: The coverage table (static HTML): its box against the main column, and any sideways scroll.
_COVERAGE = """
() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]')
    .getBoundingClientRect();
  const t = document.querySelector('[data-testid="stTable"]');
  const r = t.getBoundingClientRect();
  // the widest sideways overflow of the table or anything in it (st.table scrolls inside)
  const scroll = Math.max(...[t, ...t.querySelectorAll('*')].map(
    e => e.scrollWidth - e.clientWidth));
  return {right: r.right, main: main.right, scroll: scroll,
          table: t.querySelector('table').getBoundingClientRect().right};
}
"""


def test_the_overview_opens_at_its_own_address(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/overview")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    heading = page.locator('[data-testid="stMain"] h1').first
    expect(heading).to_have_text("Children's social care at a glance")  # the overview's
    assert_no_exception(page)


def test_data_quality_tables_fit_at_1366_and_1920(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/quality")
    assert_no_exception(page)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        wait_idle(page)
        tables = page.evaluate(_TABLES)
        assert len(tables) == 2, tables  # checks by return and month, history
        for table in tables:
            # inside the page's main column and the window, and no column cut off on the
            # right of the grid (its columns fit: nothing to scroll to sideways)
            assert table["right"] <= table["main"]["right"] + 1, (width, table)
            assert table["right"] <= table["viewport"], (width, table)
            assert table["scroll"] is not None, table  # the grid's scroller was found
            assert table["scroll"] <= 1, (width, table)
        coverage = page.evaluate(_COVERAGE)
        assert coverage["right"] <= coverage["main"] + 1 and coverage["scroll"] <= 1, coverage
        assert coverage["table"] <= coverage["main"] + 1, coverage
    for shot in screenshots(page, "data_quality"):
        assert shot.stat().st_size > 0
