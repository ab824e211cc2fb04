"""Data quality: which return-months are loaded, replaced or missing, and every load's outcome."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import quality
from metrics.formatting import uk_month
from ui.auth import require_role
from ui.state import current_db

#: Widths in pixels that add up to less than the main column at 1366 px wide (about 870 px
#: beside the sidebar), so no table is cut off on the right at a laptop's or a board screen's
#: size; a long text ends in "…" in its cell (hover to read it; each load's warnings are in
#: full below the table).
CHECKS_WIDTHS = {"Return": 200, "Month": 110, "Rows": 60, "Checks": 150, "Warnings": 75,
                 "Rows with warnings": 120, "Refused before": 100}  # fmt: skip
HISTORY_WIDTHS = {"When": 125, "File": 150, "Return": 150, "Month": 105, "Rows": 60,
                  "Outcome": 80, "Warnings": 75, "Reason": 110}  # fmt: skip


def widths(sizes: dict[str, int]) -> dict[str, st.column_config.Column]:
    """Each listed column at its width; columns left out of ``sizes`` are not shown."""
    return {name: st.column_config.Column(width=px) for name, px in sizes.items()}


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
    # One row per return, its missing and replaced months in words (a static table, whose
    # text wraps): a grid of 15 returns by month ran off the right of the page at 1366 px.
    st.table(quality.coverage_by_return(db).set_index("Return"))

st.subheader("Checks by return and month", divider="gray")
loads = quality.current_loads(db)
if loads.empty:
    st.info("Nothing is loaded yet.")
else:
    st.caption(
        "The file behind each return-month now: its checks, the warnings that did not stop it "
        "loading (such as blanks the rules allow), and how many files for it were refused."
    )
    summary = quality.validation_summary(db)
    st.dataframe(
        summary[list(CHECKS_WIDTHS)],
        hide_index=True,
        width="stretch",
        column_config=widths(CHECKS_WIDTHS),
    )
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
history = quality.load_history(db)
st.dataframe(
    history[list(HISTORY_WIDTHS)],
    hide_index=True,
    width="stretch",
    column_config=widths(HISTORY_WIDTHS),
)
