"""The accessibility statement names every axe-core rule the browser tests let through."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.a11y import KNOWN_STREAMLIT_VIOLATIONS

STATEMENT = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"


def test_the_statement_lists_exactly_the_rules_the_tests_allow() -> None:
    text = STATEMENT.read_text("utf-8")
    section = text.split("### Non-compliance with the accessibility regulations")[1]
    table = section.split("Things axe-core cannot judge")[0]
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.MULTILINE))
    assert listed == set(KNOWN_STREAMLIT_VIOLATIONS)
    assert "WCAG" in text and "2.2" in text
