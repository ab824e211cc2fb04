"""Commentary and actions beside a measure on its area page, the editor managers write them
in, and the month's export.

The words are people's, so they are always drawn through ``plain`` (no Markdown, HTML or
link is ever made from them); the data and sentences come from ``metrics.actions``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from etl.check.validate import MAX_TEXT
from etl.returns import get_return
from etl.sources.actions import Entry, EntryChanged, EntryRefused, save_entry
from etl.write.audit import audited
from etl.write.store import StoreBusy
from metrics import actions
from metrics.formatting import uk_month
from ui.auth import has_role, may_write, who
from ui.layout import plain

#: Who may write commentary and actions (docs/security.md): managers and every role above.
WRITER_ROLE = "manager"
_SAVED = "csc-commentary-saved"
_STATUS_LABELS = {"": "No action", **actions.STATUS_WORDS}


def _limit(column: str) -> int:
    return get_return("actions").column(column).max_length or MAX_TEXT


def commentary_panel(db: Path, kpi, team: str, month: date, entries: pd.DataFrame) -> None:
    """What is being done about ``kpi`` for ``team`` ("" = whole council) in ``month``: its
    commentary and action (owner, due, months open, past due)."""
    entry = actions.for_measure(entries, kpi.id, team)
    with st.container(border=True, key=f"csc-commentary-{kpi.id}"):
        st.markdown("**What we are doing about it**")
        if entry is None:
            st.caption(f"No commentary or action for {uk_month(month)}.")
        else:
            if entry["commentary"]:
                st.markdown(f"**Commentary:** {plain(entry['commentary'])}")
            if entry["action"]:
                if entry["overdue"]:
                    st.markdown(":material/warning: **Past due**")
                st.markdown(f"**Action:** {plain(actions.action_words(entry))}")
        saved = st.session_state.pop(f"{_SAVED}:{kpi.id}:{team}", None)
        if saved:
            st.success(saved, icon=":material/check_circle:")


def commentary_editor(db: Path, kpi, team: str, month: date) -> None:
    """For a manager (and every role above) allowed to write to this store: a form for this
    month's entry, started from what is stored; saving is checked and audited."""
    if not (has_role(WRITER_ROLE) and may_write(db)):
        return
    start, seen = actions.stored_entry(db, month, kpi.id, team)
    who_for = team or "the whole council"
    with (
        st.expander(
            f"Write {uk_month(month)}'s commentary and action", icon=":material/edit_note:"
        ),
        st.form(key=f"commentary-form:{kpi.id}:{team}", border=False),
    ):
        st.caption(
            f"For {kpi.short_title}, {who_for}. Plain text: no formatting or links are "
            "shown. Never write a child's name, ID, date of birth or address."
        )
        commentary = st.text_area("Commentary", start["commentary"], max_chars=_limit("commentary"))
        action = st.text_area("Action", start["action"], max_chars=_limit("action"))
        owner = st.text_input(
            "Owner (a role, e.g. Head of Safeguarding)",
            start["owner"],
            max_chars=_limit("owner"),
        )
        due = st.date_input("Due date", start["due_date"], format="DD/MM/YYYY")
        statuses = list(_STATUS_LABELS)
        status = st.selectbox(
            "Action status",
            statuses,
            index=statuses.index(start["action_status"])
            if start["action_status"] in statuses
            else 0,
            format_func=_STATUS_LABELS.get,
        )
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    if not submitted:
        return
    entry = Entry(commentary, action, owner, due, status)
    try:
        save_entry(db, who() or "", month, kpi.id, team, entry, seen)
    except (EntryRefused, EntryChanged) as exc:
        st.error(str(exc), icon=":material/block:")
        return
    except StoreBusy:
        st.error("A load is running: nothing was saved. Try again in a minute.")
        return
    st.session_state[f"{_SAVED}:{kpi.id}:{team}"] = (
        f"Saved {uk_month(month)}'s commentary and action for {who_for} (recorded in the "
        "audit log)."
    )
    st.rerun()


def commentary_downloads(db: Path, month: date, entries: pd.DataFrame) -> None:
    """The month's commentary and actions as CSV and Excel, for the analyst preparing the
    papers: formula-guarded, and each download recorded in the audit trail as an export."""
    if entries.empty:
        return
    stem = f"commentary_and_actions_{month:%Y-%m}"
    left, right = st.columns(2)
    for column, suffix, mime, make in (
        (left, "csv", "text/csv", lambda: actions.export_csv(entries)),
        (
            right,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            lambda: actions.export_xlsx(entries, month),
        ),
    ):
        column.download_button(
            f"{uk_month(month)}'s commentary and actions ({suffix.upper()})",
            audited(db, who() or "", "export", f"{stem}.{suffix}", make),
            file_name=f"{stem}.{suffix}",
            mime=mime,
            key=f"commentary-{suffix}",
            icon=":material/download:",
            on_click="ignore",
        )


def board_html(db: Path, kpi_id: str, month: date, label_class: str, text_class: str) -> str:
    """Board mode's commentary for one measure, in the board's large text classes; "" when
    none is written. The action (owner, due date, past due) is the screen's "what next"
    line, so it is not said twice on a screen that must fit. Words go through ``plain``:
    shown as typed, never as markup."""
    entry = actions.for_measure(actions.month_actions(db, month), kpi_id)
    if entry is None or not entry["commentary"]:
        return ""
    return (
        f'<div class="{label_class}">What the figure says</div>'
        f'<div class="{text_class}">{plain(entry["commentary"])}</div>'
    )
