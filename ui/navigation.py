"""The dashboard's pages, declared in one list.

To add a page, write ``app_pages/<name>.py`` and add one ``PageEntry`` to ``PAGES`` (or append
to it before ``navigation()`` is called). Sections group pages in the sidebar in the order
they first appear.

The folder is ``app_pages/``, not ``pages/``: a ``pages/`` folder beside ``app.py`` switches
Streamlit into its older multipage mode, in which a link straight to a page (``/visits``)
runs that page alone, without ``app.py``'s shared month picker and banners.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage


@dataclass(frozen=True)
class PageEntry:
    """One page: its script, its title and icon in the sidebar, and the section it sits in."""

    path: str
    title: str
    icon: str
    section: str
    url_path: str
    default: bool = False


PAGES: list[PageEntry] = [
    PageEntry(
        "app_pages/overview.py", "Overview", ":material/dashboard:", "Performance", "overview", True
    ),
    PageEntry(
        "app_pages/caseloads.py", "Caseloads", ":material/groups:", "Performance", "caseloads"
    ),
    PageEntry(
        "app_pages/visits.py", "Statutory visits", ":material/home:", "Performance", "visits"
    ),
    PageEntry(
        "app_pages/icpc.py",
        "Child protection conferences",
        ":material/event:",
        "Performance",
        "icpc",
    ),
    PageEntry(
        "app_pages/supervision.py",
        "Case supervision",
        ":material/supervisor_account:",
        "Performance",
        "supervision",
    ),
    PageEntry("app_pages/board.py", "Board mode", ":material/co_present:", "Board", "board"),
    PageEntry(
        "app_pages/load_returns.py", "Load returns", ":material/upload_file:", "Data", "load"
    ),
    PageEntry(
        "app_pages/data_quality.py", "Data quality", ":material/fact_check:", "Data", "quality"
    ),
]


def area_page_path(area_id: str) -> str:
    """The script of an area's page (``caseloads`` → ``app_pages/caseloads.py``), for links."""
    return f"app_pages/{area_id}.py"


def navigation(entries: list[PageEntry] | None = None) -> StreamlitPage:
    """Register the pages with Streamlit, grouped by section; returns the page to run."""
    sections: dict[str, list] = {}
    for entry in entries if entries is not None else PAGES:
        sections.setdefault(entry.section, []).append(
            st.Page(
                entry.path,
                title=entry.title,
                icon=entry.icon,
                url_path=entry.url_path,
                default=entry.default,
            )
        )
    return st.navigation(sections)
