"""The dashboard's pages, declared in one list.

To add a page, write ``app_pages/<name>.py`` and add one ``PageEntry`` to ``PAGES`` (or append
to it before ``navigation()`` is called). Pages of one section sit together in the sidebar, in
the order their sections first appear. The sidebar is one flat list, without Streamlit's
section headings: those put a ``<div>`` inside the ``<ul>``, so screen readers miscount the
links (axe-core rules ``list`` / ``listitem``, WCAG 1.3.1; see docs/accessibility.md).

The folder is ``app_pages/``, not ``pages/``: a ``pages/`` folder beside ``app.py`` switches
Streamlit into its older multipage mode, in which a link straight to a page (``/visits``)
runs that page alone, without ``app.py``'s shared month picker and banners.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from metrics import api
from ui.auth import roles_from

#: Pages with child-level data or that change the store: analysts and administrators.
ANALYSTS = roles_from("analyst")
#: Pages that change the council's settings or show who did what: administrators only.
ADMINS = roles_from("admin")


@dataclass(frozen=True)
class PageEntry:
    """One page: its script, its title and icon in the sidebar, the section it sits in, and
    the roles that see it (empty: every signed-in role). The page itself must also call
    ``ui.auth.require_role``: hiding it here does not stop someone who knows its address."""

    path: str
    title: str
    icon: str
    section: str
    url_path: str
    default: bool = False
    roles: tuple[str, ...] = ()
    #: Not listed in the sidebar: only reached by its address (``/overview``).
    hidden: bool = False


def area_page_path(area_id: str) -> str:
    """The script of an area's page (``caseloads`` → ``app_pages/caseloads.py``), for links."""
    return f"app_pages/{area_id}.py"


def area_entries() -> list[PageEntry]:
    """One entry per declared area (``metrics/kpis/``), in the declared order: adding an area
    adds its page to the sidebar with no edit here."""
    return [
        PageEntry(area_page_path(a.id), a.title, a.icon, "Performance", a.id) for a in api.areas()
    ]


OVERVIEW = "app_pages/overview.py"

PAGES: list[PageEntry] = [
    # The overview opens at the app's root. Streamlit serves its default page at "/" only and
    # answers its own url_path with "Page not found", so the same script is also registered,
    # out of the sidebar, at /overview (a link or bookmark to it opens the overview).
    PageEntry(OVERVIEW, "Overview", ":material/dashboard:", "Performance", "home", True),
    PageEntry(OVERVIEW, "Overview", ":material/dashboard:", "Performance", "overview", hidden=True),
    *area_entries(),
    PageEntry("app_pages/board.py", "Board mode", ":material/co_present:", "Board", "board"),
    PageEntry(
        "app_pages/load_returns.py",
        "Load returns",
        ":material/upload_file:",
        "Data",
        "load",
        roles=ANALYSTS,
    ),
    PageEntry(
        "app_pages/data_quality.py",
        "Data quality",
        ":material/fact_check:",
        "Data",
        "quality",
        roles=ANALYSTS,
    ),
    PageEntry(
        "app_pages/settings.py",
        "Council settings",
        ":material/tune:",
        "Admin",
        "settings",
        roles=ADMINS,
    ),
    PageEntry(
        "app_pages/audit_log.py",
        "Audit log",
        ":material/history:",
        "Admin",
        "audit",
        roles=ADMINS,
    ),
    # Last, as a site's footer link: every role may open it (docs/accessibility.md, shown as is).
    PageEntry(
        "app_pages/accessibility.py",
        "Accessibility statement",
        ":material/accessibility_new:",
        "About",
        "accessibility",
    ),
]


def browser_title(page_title: str, app_title: str) -> str:
    """The browser tab's title for a page: the page first, so tabs side by side differ."""
    return f"{page_title} · {app_title}"


def visible(entries: list[PageEntry], role: str | None) -> list[PageEntry]:
    """The pages ``role`` may see."""
    return [e for e in entries if not e.roles or role in e.roles]


def navigation(entries: list[PageEntry] | None = None, role: str | None = None) -> StreamlitPage:
    """Register the pages ``role`` may see, section by section; returns the page to run."""
    sections: dict[str, list] = {}
    for entry in visible(entries if entries is not None else PAGES, role):
        sections.setdefault(entry.section, []).append(
            st.Page(
                entry.path,
                title=entry.title,
                icon=entry.icon,
                url_path=entry.url_path,
                default=entry.default,
                visibility="hidden" if entry.hidden else "visible",
            )
        )
    # Every page listed: with a page per area there are more than ten, and a board member
    # should not have to find "View more" to reach the measure being discussed.
    return st.navigation([page for pages in sections.values() for page in pages], expanded=True)
