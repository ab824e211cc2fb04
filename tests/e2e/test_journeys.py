"""What people do with the dashboard, in a real browser against the real app.

A director changes the "as at" month and the team; an analyst loads a good file and then a
bad one; the board steps through every area and takes the pack away. Every figure checked on
screen is compared with the metrics layer's own answer.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from etl.write.load import check_file
from metrics import api
from metrics.formatting import format_value, uk_month
from metrics.narrative import board_kpis
from tests.e2e.browser import (
    assert_no_exception,
    choose,
    drawn_charts,
    metric,
    open_page,
    static_charts,
    wait_idle,
)
from ui.navigation import PAGES

pytestmark = pytest.mark.e2e

AREA = "caseloads"
TAB_PRESSES = 40  # from the top of the page past the page's filters


def _value(db, kpi_id: str, month: date, team: str = api.ALL) -> str:
    values = api.kpi_values(db, [kpi_id], months=[month], teams=[team])
    kpi = api.kpi(kpi_id)
    return format_value(values["value"].iloc[0] if len(values) else None, kpi.unit)


def _a_visible_change(db, latest: date):
    """A caseloads KPI, an earlier month and a team whose figures all differ from the ones on
    screen before, so each change the director makes is a change the test can see."""
    area = next(a for a in api.areas() if a.id == AREA)
    for kpi in area.kpis:
        for month in reversed(api.months(db)):
            council = _value(db, kpi.id, month)
            if month >= latest or council == _value(db, kpi.id, latest):
                continue
            teams = [t for t in api.teams(db) if _value(db, kpi.id, month, t) != council]
            if teams:
                return kpi, month, teams[0]
    raise AssertionError("the e2e store has no month and team that differ; change its data")


def _tile(page: Page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label)


def test_a_director_changes_the_month_and_team_and_sees_the_metrics_layers_figures(
    page: Page, app_url: str, e2e_store
) -> None:
    db, latest = e2e_store.db, e2e_store.latest
    kpi, earlier, team = _a_visible_change(db, latest)
    open_page(page, f"{app_url}/{AREA}", as_at=latest)
    label = f"{kpi.short_title} — Whole council"
    assert metric(page, label) == _value(db, kpi.id, latest)

    choose(page, "As at month", uk_month(earlier))
    expect(_tile(page, label)).to_contain_text(_value(db, kpi.id, earlier))
    assert metric(page, label) == _value(db, kpi.id, earlier)

    choose(page, "Team", team)
    assert metric(page, f"{kpi.short_title} — {team}") == _value(db, kpi.id, earlier, team)
    assert_no_exception(page)


def _upload(page: Page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    wait_idle(page)


def test_an_analyst_loads_a_month_and_sees_it_on_the_overview_without_reloading(
    page: Page, app_url: str, e2e_store
) -> None:
    db = e2e_store.db
    open_page(page, f"{app_url}/load")
    for name, path in sorted(e2e_store.held_back.items()):
        _upload(page, name, path.read_bytes())
        load = page.get_by_role("button", name=f"Load {name}")
        # The check runs before the button is drawn: an Annex A workbook's took over 30 s
        # (Playwright's default wait) on a loaded two-core machine.
        expect(load).to_be_visible(timeout=90_000)
        load.click()
        # This file's own outcome, not an earlier file's "Loaded:" still on screen: its button
        # goes once the load has run, and only then may the next file be dropped in.
        expect(load).to_have_count(0, timeout=60_000)
        expect(page.get_by_text("Loaded:", exact=False).last).to_be_visible()
        wait_idle(page)
    assert_no_exception(page)
    new_month = max(api.months(db))
    assert new_month > e2e_store.latest

    page.evaluate("() => { window.sameDocument = true; }")  # lost if the page reloads
    page.get_by_role("link", name="Overview").click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(
        "Children's social care at a glance"
    )
    wait_idle(page)
    choose(page, "As at month", uk_month(new_month))
    assert page.evaluate("() => window.sameDocument === true")
    for row in api.headline(db, new_month).itertuples():
        assert metric(page, api.kpi(row.kpi).short_title) == format_value(row.value, row.unit)
    assert_no_exception(page)


def test_an_analyst_uploads_a_bad_file_and_sees_why_it_was_refused(
    page: Page, app_url: str, e2e_store
) -> None:
    name = "caseloads_2022-03.csv"
    good = e2e_store.held_back[name].read_text()
    header, *rows = good.splitlines()
    # Three workers with a role that is not in the code list, one with a negative caseload.
    bad_rows = [r.replace(",QSW,", ",Wizard,", 1) for r in rows[:3]] + rows[3:]
    bad_rows[3] = ",".join([*bad_rows[3].split(",")[:-1], "-4"])
    data = "\n".join([header, *bad_rows, ""]).encode()
    check = check_file(name, data)
    assert not check.accepted
    months_before = api.months(e2e_store.db)

    open_page(page, f"{app_url}/load")
    _upload(page, name, data)
    refusal = page.locator('[data-testid="stAlert"]').filter(has_text="was refused")
    expect(refusal).to_contain_text(check.report.summary())
    grid = page.locator('[data-testid="stDataFrame"]')
    for problem in check.report.problems:
        expect(grid).to_contain_text(problem.message)
    assert not page.get_by_role("button", name=f"Load {name}").count()
    assert api.months(e2e_store.db) == months_before
    assert_no_exception(page)


def test_board_mode_steps_through_the_exceptions_with_the_metrics_layers_figures(
    page: Page, app_url: str, e2e_store
) -> None:
    db, month = e2e_store.db, e2e_store.latest
    kpis = board_kpis(db, month)
    open_page(page, f"{app_url}/board", as_at=month)
    expect(page.locator('[data-testid="stMain"] h1')).to_have_text("State of the service")
    for step, k in enumerate(kpis):
        page.get_by_role("button", name="Next ▶").click()
        wait_idle(page)
        expect(page.locator('[data-testid="stMain"] h1')).to_have_text(k.title)
        position = page.locator(".csc-board-position")  # (the live region says it too)
        expect(position).to_contain_text(f"Measure {step + 1} of {len(kpis)}")
        expect(page.locator(".csc-board-figure")).to_have_text(_value(db, k.id, month))
        # The chart comes after the figure in the same run: on a loaded machine the figure
        # can be on screen while the run that draws the chart is still going.
        expect(page.locator("img.csc-chart")).to_have_count(1)
        (chart,) = static_charts(page)  # one trend, drawn as a picture for the room
        assert chart["drawn"] > 0
        assert any(t["kind"] == "title" and t["text"] for t in chart["texts"])
    assert_no_exception(page)


def test_the_first_trend_is_a_picture_until_someone_asks_for_the_interactive_chart(
    page: Page, app_url: str, e2e_store
) -> None:
    open_page(page, f"{app_url}/{AREA}", as_at=e2e_store.latest)
    assert page.locator(".js-plotly-plot").count() == 0  # no plotly.js for a first look
    (picture,) = static_charts(page)
    assert picture["drawn"] > 0
    page.get_by_text("Interactive chart").first.click()  # (the switch itself is drawn hidden)
    expect(page.get_by_role("switch", name="Interactive chart").first).to_be_checked()
    wait_idle(page)
    # The run the toggle starts may not have begun when the page first looks idle, and the
    # first Plotly chart fetches and compiles plotly.js (seconds on a loaded two-core machine,
    # where CI once saw nothing after 5 s): wait for the chart it draws, then read it.
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
    traces = drawn_charts(page)
    assert traces[0] > 0
    assert page.locator("img.csc-chart").count() == 0  # the same chart, now drawn by Plotly
    assert_no_exception(page)


def test_every_control_is_reached_with_the_tab_key(page: Page, app_url: str, e2e_store) -> None:
    open_page(page, f"{app_url}/{AREA}", as_at=e2e_store.latest)
    links = [p for p in PAGES if not p.hidden]
    controls = [page.get_by_role("link", name=p.title, exact=True) for p in links] + [
        page.get_by_role("combobox", name=name, exact=True)
        for name in ("As at month", "Team", "Period")
    ]
    for n, control in enumerate(controls):  # found by role and accessible name, then tagged
        control.evaluate("(el, n) => { el.dataset.e2eControl = n; }", n)
    reached = set()
    for _ in range(TAB_PRESSES):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.dataset.e2eControl"))
    assert reached >= {str(n) for n in range(len(controls))}, sorted(reached)


def test_the_board_pack_downloads_as_a_pdf(page: Page, app_url: str, e2e_store) -> None:
    month = e2e_store.latest
    open_page(page, f"{app_url}/board", as_at=month)
    page.get_by_text("Board pack to take away").click()
    page.get_by_role("button", name="Prepare the board pack").click()
    button = page.get_by_role("button", name="Download the PDF pack")
    expect(button).to_be_visible(timeout=90_000)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"board-pack-{month:%Y-%m}.pdf"
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
    assert uk_month(month) in text
    lead = api.areas()[0].kpis[0]
    assert _value(e2e_store.db, lead.id, month) in text
