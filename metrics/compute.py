"""KPI values worked out in DuckDB SQL from the loaded returns: the one SQL template engine.

Every KPI becomes one ``SELECT`` over its return's rows (widened by the row source declared
in ``metrics/kpis/``), grouped by ``GROUPING SETS`` so that each month gets a row per team, per
breakdown value and for the whole council at once. The council row (team ``ALL``) is counted
from the rows themselves, never averaged from teams. A denominator of 0 gives no value
(NULL), never 0 %.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date

import duckdb
import pandas as pd

from etl.returns import get_return, monthly_returns
from metrics.declarations import DIMENSIONS, KPI, Measure, declarations, get_kpi, row_source
from metrics.formatting import as_dates

ALL = "ALL"
KEY_COLUMNS = ["kpi", "month", "team", *DIMENSIONS]
COLUMNS = [*KEY_COLUMNS, "numerator", "denominator", "value"]
#: Digits a value, numerator and denominator are kept to. Sums of doubles differ in the 15th
#: digit with the order DuckDB adds them in, so a value exactly on a threshold could flip
#: status between two refreshes; rounded here, every refresh gives the same figures to the
#: bit, far below what is shown.
VALUE_DIGITS = 9
VALUE_SQL = {
    "percent": f"round(100.0 * numerator / denominator, {VALUE_DIGITS})",
    "ratio": f"round(numerator / denominator, {VALUE_DIGITS})",
    "numerator": f"round(numerator, {VALUE_DIGITS})",
}


def _date_list(months: Iterable[date]) -> str:
    return ", ".join(f"DATE '{pd.Timestamp(m).date().isoformat()}'" for m in months)


def rows_sql(return_name: str, months: Sequence[date] | None = None) -> str:
    """A return's rows with the per-row columns its KPIs count on, for some months."""
    source = row_source(return_name)
    derived = "".join(f", {expr} AS {name}" for name, expr in source.columns.items())
    where = f" WHERE r.month IN ({_date_list(months)})" if months else ""
    return f"SELECT r.*{derived} FROM {return_name} r {' '.join(source.joins)}{where}"


def _aggregate(measure: Measure) -> str:
    if measure.aggregate == "count":
        return f"count_if(COALESCE(({measure.expression}), FALSE))::DOUBLE"
    only = f" FILTER (WHERE COALESCE(({measure.where}), FALSE))" if measure.where else ""
    # Rounded like values: a sum of fractions (FTE) depends on the order rows are added in.
    total = f"round({measure.aggregate}(({measure.expression})::DOUBLE){only}, {VALUE_DIGITS})"
    return f"COALESCE({total}, 0)" if measure.aggregate == "sum" else total


def _grouping_sets(kpi: KPI) -> str:
    sets = [
        ["month", *team, *split]
        for team in (["team"], [])
        for split in ([], *([d] for d in kpi.breakdowns))
    ]
    return ", ".join(f"({', '.join(s)})" for s in sets)


def kpi_sql(kpi: KPI, order: int = 0) -> str:
    """One KPI's values per month × team × breakdown, from the CTE ``rows_<return>``."""
    split = "CASE WHEN GROUPING({d}) = 1 THEN '{all}' ELSE {d} END"
    dims = ", ".join(
        (split.format(d=d, all=ALL) if d in kpi.breakdowns else f"'{ALL}'") + f" AS {d}"
        for d in DIMENSIONS
    )
    grouped = (
        f"SELECT {order} AS kpi_order, '{kpi.id}' AS kpi, month, "
        f"CASE WHEN GROUPING(team) = 1 THEN '{ALL}' ELSE team END AS team, {dims}, "
        f"{_aggregate(kpi.numerator)} AS numerator, {_aggregate(kpi.denominator)} AS denominator "
        f"FROM rows_{kpi.return_name} r GROUP BY GROUPING SETS ({_grouping_sets(kpi)})"
    )
    value = VALUE_SQL[kpi.value_rule]
    return f"SELECT *, CASE WHEN denominator > 0 THEN {value} END AS value FROM ({grouped})"


def _chosen(kpi_ids: Iterable[str] | None) -> list[KPI]:
    if kpi_ids is None:
        return list(declarations().kpis.values())
    return [get_kpi(k) for k in kpi_ids]


def kpis_reading(returns: Collection[str]) -> list[str]:
    """The KPIs whose figures can change when these returns' rows change: each KPI's own
    return, and any return its row source or measures name in their SQL (the ASYE measures
    on caseloads look into ``asye_feedback``). A load refreshes only these, so loading one
    return does not work out every other return's KPIs again. Read from the SQL itself, so a
    declaration that starts reading another return is followed without a list to keep."""
    names = {s.name for s in monthly_returns()}
    chosen = []
    for kpi in declarations().kpis.values():
        source = row_source(kpi.return_name)
        sql = " ".join(
            [*source.joins, *source.columns.values()]
            + [m.expression + " " + (m.where or "") for m in (kpi.numerator, kpi.denominator)]
        )
        read = {kpi.return_name} | {n for n in names if re.search(rf"\b{n}\b", sql)}
        if read & set(returns):
            chosen.append(kpi.id)
    return chosen


def compute_sql(kpi_ids: Iterable[str] | None = None, months: Sequence[date] | None = None) -> str:
    """The single query giving every chosen KPI's rows (columns ``COLUMNS``)."""
    kpis = _chosen(kpi_ids)
    if not kpis:
        raise ValueError("no KPIs chosen")
    returns = dict.fromkeys(k.return_name for k in kpis)
    ctes = ", ".join(f"rows_{name} AS ({rows_sql(name, months)})" for name in returns)
    union = " UNION ALL ".join(kpi_sql(k, i) for i, k in enumerate(kpis))
    dims = ", ".join(f"{d} = '{ALL}' DESC, {d}" for d in DIMENSIONS)
    return (
        f"WITH {ctes} SELECT {', '.join(COLUMNS)} FROM ({union}) "
        f"ORDER BY month, kpi_order, team = '{ALL}' DESC, team, {dims}"
    )


def compute(
    con: duckdb.DuckDBPyConnection,
    kpi_ids: Iterable[str] | None = None,
    months: Sequence[date] | None = None,
) -> pd.DataFrame:
    """KPI values straight from the loaded returns: one row per KPI × month × team × split.

    ``team`` and each breakdown column are ``ALL`` for the roll-up; ``value`` is NaN where
    the denominator is 0.
    """
    return as_dates(con.execute(compute_sql(kpi_ids, months)).df())


def kpi_rows_sql(kpi: KPI, filters: dict[str, object]) -> tuple[str, list]:
    """The rows behind one KPI for a month (and optional team or breakdown values).

    Only rows in the denominator are listed, with the flags that decide both counts.
    """
    spec = get_return(kpi.return_name)
    shown = ["month", *spec.column_names, *row_source(kpi.return_name).columns]
    month = filters.pop("month")
    where = ["in_denominator"]
    params: list = []
    for column, wanted in filters.items():
        where.append(f"{column} = ?")
        params.append(wanted)
    order = [c for c in ("team", "worker_id", "child_id") if c in spec.column_names]
    sql = (
        f"SELECT {', '.join(shown)}, in_numerator, in_denominator FROM ("
        f"SELECT *, COALESCE(({kpi.numerator.condition}), FALSE) AS in_numerator, "
        f"COALESCE(({kpi.denominator.condition}), FALSE) AS in_denominator "
        f"FROM ({rows_sql(kpi.return_name, [month])}) r) WHERE {' AND '.join(where)} "
        f"ORDER BY {', '.join([*order, *spec.column_names])}"
    )
    return sql, params


def kpi_rows(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    month: date,
    team: str | None = None,
    **breakdowns: str | None,
) -> pd.DataFrame:
    """The record-level rows (pseudonymous IDs only) counted in one KPI's figure."""
    kpi = get_kpi(kpi_id)
    filters: dict[str, object] = {"month": pd.Timestamp(month).date()}
    if team not in (None, ALL):
        filters["team"] = team
    for name, wanted in breakdowns.items():
        if wanted not in (None, ALL) and name in kpi.breakdowns:
            filters[name] = wanted
    sql, params = kpi_rows_sql(kpi, filters)
    return as_dates(con.execute(sql, params).df())
