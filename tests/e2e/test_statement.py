"""The accessibility statement names every axe-core rule the browser tests let through, and
the in-app statement page is that document: its headings, drawn as headings in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.a11y import KNOWN_STREAMLIT_VIOLATIONS
from tests.e2e.browser import open_page, page_url
from ui.navigation import PAGES

STATEMENT = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"


def test_the_statement_lists_exactly_the_rules_the_tests_allow() -> None:
    text = STATEMENT.read_text("utf-8")
    section = text.split("### Non-compliance with the accessibility regulations")[1]
    table = section.split("Things axe-core cannot judge")[0]
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE))
    assert listed == set(KNOWN_STREAMLIT_VIOLATIONS)
    assert "WCAG" in text and "2.2" in text


# --- In the browser --------------------------------------------------------------------------

HEADING_TAGS = {1: "h1", 2: "h2", 3: "h3"}


def _statement_headings() -> list[tuple[str, str]]:
    """The document's headings as (tag, text), in order."""
    out = []
    for line in STATEMENT.read_text("utf-8").splitlines():
        match = re.match(r"^(#{1,3}) (.+)$", line)
        if match:
            out.append((HEADING_TAGS[len(match.group(1))], match.group(2).strip()))
    return out


@pytest.mark.e2e
def test_the_statement_page_draws_the_documents_headings(page, app_url: str) -> None:
    """Every role's sidebar has the statement; the page shows the document's headings as
    headings, in order, and the browser tab names the page."""
    entry = next(e for e in PAGES if e.path == "app_pages/accessibility.py")
    open_page(page, page_url(app_url, entry))
    drawn = page.eval_on_selector_all(
        '[data-testid="stMain"] :is(h1, h2, h3)',
        "els => els.map(e => [e.tagName.toLowerCase(), e.innerText.trim()])",
    )
    assert [tuple(h) for h in drawn] == _statement_headings()
    assert page.title() == f"{entry.title} · Children's social care performance"


@pytest.mark.e2e
def test_a_page_link_moves_focus_to_the_new_pages_heading(page, app_url: str) -> None:
    """After a sidebar link, focus is on the new page's heading; the focus ring shows."""
    entry = next(e for e in PAGES if e.path == "app_pages/accessibility.py")
    open_page(page, app_url)
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=entry.title).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.tagName === 'H1'",
        timeout=30_000,
    )
    assert page.evaluate("() => document.activeElement.innerText").startswith("Accessibility")
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2
