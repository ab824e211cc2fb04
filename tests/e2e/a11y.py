"""axe-core rules the app still fails because of how Streamlit itself draws its widgets.

Each entry is a rule id and why it cannot be fixed within Streamlit; docs/accessibility.md
lists the same ids (a test keeps the two in step). Nothing else is allowed through.
"""

from __future__ import annotations

KNOWN_STREAMLIT_VIOLATIONS: dict[str, str] = {}
