"""Audit log (administrators): who loaded a return, took child-level rows away or changed the
council's settings, and when — newest first, filtered by action, person and dates.

Administrators only: analysts are the people whose loads and downloads are recorded, so the
record is kept by someone other than those it watches (see docs/security.md).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.write import audit, store
from metrics.formatting import uk_date
from ui.auth import require_role
from ui.state import current_db

EVERY_ACTION, EVERYONE = "Every action", "Everyone"

require_role("admin")
db = current_db()
st.title("Audit log")
st.caption(
    "Every load attempt, child-level download and settings change: who, what and when. Only "
    "file names, figures and settings are recorded, never the rows themselves."
)


def filtered(people: list[str]) -> tuple[pd.DataFrame, str]:
    """The filters, then the entries they choose (newest first)."""
    left, middle, right = st.columns(3)
    action = left.selectbox(
        "Action",
        [EVERY_ACTION, *audit.ACTIONS],
        format_func=lambda a: audit.ACTION_LABELS.get(a, a),
        key="audit:action",
    )
    who = middle.selectbox("Who", [EVERYONE, *people], key="audit:who")
    days = right.date_input(
        "Between",
        value=(),
        format="DD/MM/YYYY",
        help="Leave empty for every day; pick a first and a last day to narrow it.",
        key="audit:days",
    )
    since = days[0] if len(days) > 0 else None
    until = days[1] if len(days) > 1 else since
    rows = audit.entries(
        db,
        action=None if action == EVERY_ACTION else action,
        who=None if who == EVERYONE else who,
        since=since,
        until=until,
        timeout=audit.DOWNLOAD_WAIT,
    )
    between = f" between {uk_date(since)} and {uk_date(until)}" if since else ""
    return rows, between


try:
    rows, between = filtered(audit.people(db, timeout=audit.DOWNLOAD_WAIT))
except store.StoreMissing:
    st.info("Nothing is recorded yet: no store has been built.")
    st.stop()
except store.StoreBusy:
    st.warning("A load is running: the log can be read once it finishes. Try again in a minute.")
    st.stop()

if rows.empty:
    st.info(f"No entries{between} match these filters.")
else:
    st.caption(f"{len(rows):,} entr{'y' if len(rows) == 1 else 'ies'}{between}, newest first.")
    st.dataframe(audit.readable(rows), hide_index=True, width="stretch")
