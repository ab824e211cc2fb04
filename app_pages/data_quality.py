"""Data quality: which return-months are loaded, replaced or missing, and every load's outcome."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import quality
from metrics.formatting import uk_month
from ui.auth import require_role
from ui.state import current_db

require_role("analyst")
db = current_db()
st.title("Data quality")

st.subheader("Coverage: return by month", divider="gray")
grid = quality.coverage(db)
if grid.empty or not len(grid.columns):
    st.info("No monthly returns are loaded yet.")
else:
    gaps = quality.gaps(db)
    st.caption(
        f"{quality.LOADED}: loaded once. {quality.REPLACED}: loaded again since. "
        f"{quality.MISSING}: not loaded. "
        + (f"{len(gaps)} gap(s): {'; '.join(gaps[:12])}." if gaps else "No gaps.")
    )
    st.dataframe(grid.T.iloc[::-1], width="stretch", height=420)

st.subheader("Checks by return and month", divider="gray")
loads = quality.current_loads(db)
if loads.empty:
    st.info("Nothing is loaded yet.")
else:
    st.caption(
        "The file behind each return-month now: its checks, the warnings that did not stop it "
        "loading (such as blanks the rules allow), and how many files for it were refused."
    )
    st.dataframe(quality.validation_summary(db), hide_index=True, width="stretch")
    options = list(loads.index)
    chosen = st.selectbox(
        "Return and month",
        options,
        format_func=lambda i: (
            f"{loads.loc[i, 'return']}, "
            + (uk_month(loads.loc[i, "month"]) if pd.notna(loads.loc[i, "month"]) else "reference")
        ),
        key="dq:load",
        help="See one load's warnings in full, with example rows and how to fix them.",
    )
    row = loads.loc[chosen]
    report = quality.load_report(db, row["return_type"], row["month"])
    st.markdown(
        f"**{row['file_name']}**: {int(row['rows']):,} rows, "
        f"{int(row['warnings'])} warning(s) that did not block the load."
    )
    if report is not None and report.warnings:
        st.markdown("\n".join(f"- {w.line()}" for w in report.warnings))

st.subheader("Load history", divider="gray")
st.dataframe(quality.load_history(db), hide_index=True, width="stretch")
