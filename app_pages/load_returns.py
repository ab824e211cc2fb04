"""Load returns: analysts drop in monthly files, see them checked, preview and load them."""

from __future__ import annotations

import streamlit as st

from ui.auth import require_role
from ui.state import current_db
from ui.upload import upload_panel

require_role("analyst")
st.title("Load returns")
st.caption(
    "Monthly returns (one file per return per month, CSV or Excel), the council's Ofsted "
    "Annex A workbook, its DfE children in need or workforce census XML or a year's SSDA903 "
    "tables as exported, or a filled-in template. "
    "Columns holding names, dates of birth, addresses or postcodes are left out as each file "
    "is read. See the returns contract (docs/returns.md) for columns and rules."
)
upload_panel(current_db())
