"""The rows behind a figure, behind a clearly-labelled expander, with a CSV download.

Kept in one place so who may see child-level rows is decided in one place: analysts and
administrators only (viewers see aggregates and never this panel), and every download is
written to the audit trail before its bytes leave. The rows carry pseudonymous IDs only (as
loaded); they are fetched only when the expander is open.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from charts.export import to_csv_bytes
from etl.read.reader import safe_name
from etl.write.audit import audited
from metrics import api
from metrics.formatting import uk_month
from ui.auth import current_user, has_role


def rows_table(
    db: Path,
    kpi_id: str,
    month: date,
    *,
    team: str | None = None,
    plan_type: str | None = None,
    title: str = "",
) -> None:
    """An expander listing the records counted in ``kpi_id`` for the month, team and plan type."""
    if not has_role("analyst"):
        return
    scope = team or "all teams"
    label = f"Rows behind this figure — {uk_month(month)}, {scope} (pseudonymous IDs)"
    key = f"rows:{kpi_id}"
    panel = st.expander(label, icon=":material/table_rows:", key=key, on_change="rerun")
    if not panel.open:
        return
    with panel:
        rows = api.kpi_rows(db, kpi_id, month, team=team, plan_type=plan_type)
        st.caption(f"{len(rows):,} rows. Child and worker IDs are pseudonymous, as loaded.")
        st.dataframe(rows, hide_index=True, width="stretch")
        file_name = safe_name(f"{kpi_id}_{month:%Y-%m}_{team or 'all-teams'}.csv")
        st.download_button(
            "Download these rows (CSV)",
            audited(
                db,
                current_user().who,
                "row_download",
                f"{file_name} ({len(rows):,} rows)",
                lambda: to_csv_bytes(rows),
            ),
            file_name=file_name,
            mime="text/csv",
            key=f"download:{kpi_id}",
            icon=":material/download:",
            help=f"The rows behind {title or kpi_id}, as a CSV file.",
        )
