"""Every page in the navigation, in a real browser: it draws, its figures are the metrics
layer's, and axe-core finds no serious or critical accessibility problem."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page

from metrics import api
from metrics.formatting import format_value
from tests.e2e.a11y import KNOWN_STREAMLIT_VIOLATIONS
from tests.e2e.browser import (
    BLOCKING_IMPACTS,
    assert_no_exception,
    axe_violations,
    chart_text_colours,
    contrast,
    drawn_charts,
    metric,
    open_page,
    page_url,
    screenshots,
    text_overlaps,
)
from ui.navigation import OVERVIEW, PAGES

pytestmark = pytest.mark.e2e

AREA_PAGES = {a.id for a in api.areas()}
WHITE = (255, 255, 255)
MIN_TEXT_CONTRAST = 4.5  # WCAG 2.2 AA 1.4.3, normal-size text


def _check_overview(page: Page, db, month: date) -> int:
    """Each headline tile shows the metrics layer's value; one drawn sparkline per tile."""
    headline = api.headline(db, month)
    assert len(headline) > 0
    for row in headline.itertuples():
        assert metric(page, api.kpi(row.kpi).short_title) == format_value(row.value, row.unit)
    # Sparklines are static SVGs (charts.sparkline.sparkline_svg), not Plotly charts.
    assert page.locator("img.csc-spark").count() == len(headline)
    return 0


def _check_area(page: Page, db, area_id: str, month: date) -> int:
    """Each KPI's whole-council figure for the month is the metrics layer's."""
    area = next(a for a in api.areas() if a.id == area_id)
    kpis = [api.kpi(k) if isinstance(k, str) else k for k in area.kpis]
    values = api.kpi_values(db, [k.id for k in kpis], months=[month], teams=["ALL"])
    for kpi in kpis:
        shown = metric(page, f"{kpi.short_title} — Whole council")
        value = values.loc[values["kpi"] == kpi.id, "value"]
        assert shown == format_value(value.iloc[0] if len(value) else None, kpi.unit)
    return 1  # the first KPI's trend chart; the others' are one click away


@pytest.mark.parametrize("entry", PAGES, ids=[e.url_path for e in PAGES])
def test_page_draws_the_metrics_layers_figures_accessibly(
    page: Page, app_url: str, e2e_store, axe_script, entry
) -> None:
    db = e2e_store.db
    month = e2e_store.latest  # as built: the upload journey may add a later month
    open_page(page, page_url(app_url, entry), as_at=month)
    assert_no_exception(page)

    expected_charts = 0
    if entry.path == OVERVIEW:  # at the root and at /overview
        expected_charts = _check_overview(page, db, month)
    elif entry.url_path in AREA_PAGES:
        expected_charts = _check_area(page, db, entry.url_path, month)
    traces = drawn_charts(page)
    assert len(traces) >= expected_charts
    assert all(n > 0 for n in traces), f"charts with no data drawn: {traces}"
    for colour in chart_text_colours(page):  # on the charts' white background
        assert contrast(colour, WHITE) >= MIN_TEXT_CONTRAST, colour

    blocking = [
        v
        for v in axe_violations(page, axe_script)
        if v["impact"] in BLOCKING_IMPACTS and v["id"] not in KNOWN_STREAMLIT_VIOLATIONS
    ]
    assert blocking == [], blocking

    for shot in screenshots(page, entry.url_path):
        assert shot.stat().st_size > 0
    assert_no_exception(page)


def test_the_overlap_check_sees_text_drawn_over_text(page: Page) -> None:
    """The check every page's screenshots pass through fails on a heading over a caption."""
    page.set_content(
        '<div data-testid="stMain"><h1 style="position:absolute;top:0">A heading</h1>'
        '<div data-testid="stMarkdownContainer"><p style="position:absolute;top:4px">'
        "A caption</p></div></div>"
    )
    assert text_overlaps(page) == ['heading "A heading" over "A caption"']
