"""The accessibility statement, for every role: ``docs/accessibility.md`` shown as it is.

The page reads the document each time it is opened, so the statement in the app and the one
in the repository are one text and cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

STATEMENT = Path(__file__).resolve().parent.parent / "docs" / "accessibility.md"


def statement_text(path: Path = STATEMENT) -> str:
    """The statement's Markdown, as written in the repository."""
    return path.read_text("utf-8")


st.markdown(statement_text())
