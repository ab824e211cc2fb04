"""What every page shares in a session: the store it reads and the chosen "as at" month.

The month lives in ``st.session_state[AS_AT_KEY]`` as an ISO date string; the picker that
sets it is drawn once by ``app.py`` in the sidebar (and bound to the ``as_at`` query
parameter, which Streamlit writes as the month's label, e.g. ``?as_at=May%202021``), so it is
the same on every page and survives page switches and links.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from etl.write import store

AS_AT_KEY = "as_at"


def current_db() -> Path:
    """The master store path (``$CSC_DB`` or the default); pages read its published snapshot."""
    return store.db_path()


def store_exists(db: Path) -> bool:
    """True once a master or a published snapshot exists at ``db``."""
    return db.exists() or store.snapshot_path(db).exists()


def month_key(month: object) -> str:
    """A month as the ISO date string the picker and URL use (``2021-05-01``)."""
    return pd.Timestamp(month).date().isoformat()


def as_at_month() -> date | None:
    """The month chosen in the sidebar picker, or None before any month is loaded."""
    chosen = st.session_state.get(AS_AT_KEY)
    return date.fromisoformat(chosen) if chosen else None
