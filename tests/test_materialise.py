"""A load works out again only the KPIs that read the returns it wrote (``kpis_reading``),
and the stored values still equal every KPI counted afresh from the rows.

The ASYE response rate is a KPI on the caseloads return that looks into ``asye_feedback``:
loading the feedback after the caseloads must refresh it, though it is not the feedback
return's own KPI.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from demo.files import write_returns
from etl.write.load import load_paths
from metrics.compute import kpis_reading
from tests.conftest import stored_and_fresh


def test_a_kpi_is_refreshed_by_every_return_its_sql_reads() -> None:
    assert "asye_response_rate_pct" in kpis_reading(["asye_feedback"])  # names the table
    assert "asye_response_rate_pct" in kpis_reading(["caseloads"])  # its own return
    assert "visits_in_time_pct" not in kpis_reading(["caseloads"])
    assert kpis_reading([]) == []


def test_loading_returns_one_at_a_time_leaves_the_values_counted_afresh(tmp_path: Path) -> None:
    files = {p.name.split("_20")[0]: p for p in write_returns(tmp_path / "in", months=1)}
    db = tmp_path / "store" / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, [files["caseloads"]]))
    stored, fresh = stored_and_fresh(db)
    pd.testing.assert_frame_equal(stored, fresh, check_dtype=False)
    before = stored.query("kpi == 'asye_response_rate_pct'")
    # The feedback, loaded after the caseloads, changes a caseloads KPI: it must be redone.
    assert all(r.ok for r in load_paths(db, [files["asye_feedback"], files["visits"]]))
    stored, fresh = stored_and_fresh(db)
    pd.testing.assert_frame_equal(stored, fresh, check_dtype=False)
    after = stored.query("kpi == 'asye_response_rate_pct'")
    assert not before.reset_index(drop=True).equals(after.reset_index(drop=True))
    assert set(stored["kpi"]) >= {"visits_in_time_pct", "caseload_highest"}
