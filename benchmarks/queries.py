"""Measurement 2: what the dashboard asks the metrics layer, against a plain scan.

Every figure is taken with the metrics layer's per-snapshot caches emptied and its snapshot
connection closed first, so it is what the first viewer after a load waits for (later
viewers get the cached frame). The bound is a fresh read-only connection doing
``SELECT count(*)`` over the raw return rows the same figures are counted from.
"""

from __future__ import annotations

import inspect
import sys
from datetime import date

from benchmarks.stores import StoreInfo
from benchmarks.timing import Measurement, median_seconds
from etl.returns import monthly_returns
from etl.write import store
from metrics import api, compute, snapshot
from metrics.summary import status_changes, summary

TREND_KPI_AREA = "visits"
OVERVIEW_MONTHS = 12


def clear_data_caches() -> None:
    """Empty every metrics cache keyed on a snapshot version (declarations stay parsed).

    The held snapshot connection is closed too: after a load the first viewer opens the new
    snapshot afresh, with none of its pages in DuckDB's memory yet.
    """
    snapshot.close_all()
    for name, module in list(sys.modules.items()):
        if not name.startswith("metrics"):
            continue
        for value in vars(module).values():
            wrapped = getattr(value, "__wrapped__", None)
            keyed = wrapped is not None and "version" in inspect.signature(wrapped).parameters
            if keyed and callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def trend_kpi() -> str:
    """The headline KPI of the visits area: the 10-year trend the benchmark asks for."""
    return next(k.id for k in api.all_kpis() if k.area == TREND_KPI_AREA and k.headline)


def overview_queries(info: StoreInfo) -> None:
    """The metrics calls the overview page makes for the latest month."""
    loaded = api.months(info.db)
    month, previous = loaded[-1], loaded[-2]
    headline = api.headline(info.db, month)
    api.kpi_values(info.db, list(headline["kpi"]), months=loaded[-OVERVIEW_MONTHS:], teams=["ALL"])
    summary(info.db, month)  # "Needs attention": every measure with its signal and action
    status_changes(info.db, month, previous)


def _count(info: StoreInfo, sql: str, params: list | None = None) -> None:
    con = store.open_reader(info.db)
    try:
        con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _raw_month(info: StoreInfo, month: date) -> None:
    con = store.open_reader(info.db)
    try:
        compute.compute(con, months=[month])
    finally:
        con.close()


def measure(info: StoreInfo, runs: int) -> list[Measurement]:
    """Month of every KPI × team, a 10-year trend, the overview's calls; raw compute beside."""
    db = info.db
    latest = api.months(db)[-1]
    kpi_id = trend_kpi()
    trend_return = api.kpi(kpi_id).return_name
    month_rows = " + ".join(
        f"(SELECT count(*) FROM {s.name} WHERE month = ?)" for s in monthly_returns()
    )
    # The bound starts as cold as the figures: with the held snapshot connection open, DuckDB
    # would hand the bound's "fresh" connection the already-open database.
    month_scan = median_seconds(
        lambda: _count(info, f"SELECT {month_rows}", [latest] * len(monthly_returns())),
        runs,
        before=clear_data_caches,
    )
    every_month = f"SELECT count(*) FROM {trend_return} WHERE team IS NOT NULL"
    trend_scan = median_seconds(lambda: _count(info, every_month), runs, before=clear_data_caches)
    month_bound = "count(*) of the month's rows in every return"
    trend_bound = f"count(*) of all {trend_return} rows"

    def timed(work) -> float:
        return median_seconds(work, runs, before=clear_data_caches)

    return [
        Measurement(
            "kpi_month",
            "Every KPI for every team, one month (metrics.api, cold cache)",
            info.label,
            timed(lambda: api.kpi_values(db, months=[latest])),
            "s",
            runs,
            month_bound,
            month_scan,
        ),
        Measurement(
            "kpi_trend",
            f"10-year trend of {kpi_id}, all councils together (metrics.api, cold cache)",
            info.label,
            timed(lambda: api.kpi_values(db, [kpi_id], teams=["ALL"])),
            "s",
            runs,
            trend_bound,
            trend_scan,
        ),
        Measurement(
            "overview_data",
            "Overview page's metrics calls, latest month (cold cache)",
            info.label,
            timed(lambda: overview_queries(info)),
            "s",
            runs,
            month_bound,
            month_scan,
            (0.3, "s"),
        ),
        Measurement(
            "kpi_month_raw",
            "Every KPI, one month, counted afresh from raw rows (metrics.compute)",
            info.label,
            median_seconds(lambda: _raw_month(info, latest), runs),
            "s",
            runs,
            month_bound,
            month_scan,
        ),
    ]
