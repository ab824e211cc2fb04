"""The ``kpi_values`` table: KPI values stored beside the returns they come from.

Worked out by the same SQL as ``metrics.compute`` inside each load's transaction, so the
published snapshot always carries values that match its returns and the dashboard only
reads them. This module opens no transaction of its own: the loader's commit covers it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

import duckdb

from etl.returns import monthly_returns
from metrics.compute import COLUMNS, compute_sql, kpis_reading
from metrics.declarations import DIMENSIONS

TABLE = "kpi_values"


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``kpi_values`` if it is missing (safe to call on every open)."""
    dims = ", ".join(f"{d} VARCHAR NOT NULL" for d in DIMENSIONS)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (kpi VARCHAR NOT NULL, month DATE NOT NULL, "
        f"team VARCHAR NOT NULL, {dims}, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
    )


def refresh(
    con: duckdb.DuckDBPyConnection,
    months: Sequence[date],
    returns: Collection[str] | None = None,
) -> None:
    """Replace the KPI rows for these months with values worked out afresh: every KPI's, or
    (``returns`` given) only those of the KPIs that read those returns. One return's file
    then costs its own KPIs' SQL, not all of them: a month's visits file was 0.47 s of KPI
    work for every KPI, most of which could not have changed."""
    ensure_table(con)
    kpi_ids = None if returns is None else kpis_reading(returns)
    if not months or kpi_ids == []:
        return
    where = f"month IN ({', '.join('?' for _ in months)})"
    params: list = list(months)
    if kpi_ids is not None:
        where += f" AND kpi IN ({', '.join('?' for _ in kpi_ids)})"
        params += kpi_ids
    con.execute(f"DELETE FROM {TABLE} WHERE {where}", params)
    cols = ", ".join(COLUMNS)
    con.execute(f"INSERT INTO {TABLE} ({cols}) {compute_sql(kpi_ids, list(months))}")


def loaded_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every month with rows in any monthly return."""
    union = " UNION ".join(f"SELECT DISTINCT month FROM {s.name}" for s in monthly_returns())
    return [row[0] for row in con.execute(f"SELECT month FROM ({union}) ORDER BY month").fetchall()]


def refresh_all(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Work every stored month out again (after a change to caps, cycles or the ICPC limit)."""
    ensure_table(con)
    con.execute(f"DELETE FROM {TABLE}")
    months = loaded_months(con)
    refresh(con, months)
    return months
