"""Judged KPI values: what the read API computes before a page sees a number.

``kpi_values`` rows from the published snapshot, each with the value of the loaded month
before it (the month-on-month rules need it), judged against the council's rule for its KPI
and split (``metrics.status.judge_frame``), with the threshold line and the status, icon and
reason in words. Cached per store, snapshot version and settings. ``metrics.api`` serves
these to pages, reports and the CLI; nothing here is asked for by a page directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from metrics import compute, snapshot, spc
from metrics.config import CouncilConfig, Threshold, load_config
from metrics.declarations import DIMENSIONS, get_kpi
from metrics.status import judge_frame

ALL = compute.ALL
VERDICT = ("status", "icon", "reason")
VALUE_COLUMNS = [
    *compute.COLUMNS,
    "previous_month",
    "previous_value",
    "unit",
    "threshold",
    "status",
    "icon",
    "reason",
    "variation",
    "direction",
    "pattern",
]
MONTHS_SQL = "SELECT DISTINCT month FROM kpi_values ORDER BY month"


def threshold(kpi_id: str, breakdown: dict[str, str] | None = None) -> Threshold | None:
    """The council's rule for a KPI, with any role or plan-type override applied."""
    rule = load_config().threshold(get_kpi(kpi_id).threshold_key)
    if rule is None or not breakdown:
        return rule
    return rule.for_breakdown({k: v for k, v in breakdown.items() if v not in (None, ALL)})


@dataclass(frozen=True)
class _Filter:
    kpi_ids: tuple[str, ...]
    months: tuple[date, ...] | None
    teams: tuple[str, ...] | None
    plan_type: str | None
    role: str | None


LAG = "lag(month) OVER w AS previous_month, lag(value) OVER w AS previous_value"


def _where(f: _Filter) -> tuple[list[str], list]:
    """The KPI, team and split filters as SQL conditions and their parameters."""
    where, params = [], []
    where.append(f"kpi IN ({', '.join('?' for _ in f.kpi_ids)})")
    params += list(f.kpi_ids)
    if f.teams is not None:
        where.append(f"team IN ({', '.join('?' for _ in f.teams)})")
        params += list(f.teams)
    for dim, wanted in (("plan_type", f.plan_type), ("role", f.role)):
        if wanted is not None:
            where.append(f"{dim} = ?")
            params.append(wanted)
    return where, params


def _values_sql(f: _Filter, since: date | None = None) -> tuple[str, list]:
    """kpi_values with each row's previous loaded month's value, then the filters.

    The previous value is taken before the month filter so that the first month asked for
    still knows the month before it (the month-on-month rules need it); ``since`` is the
    loaded month before the first month asked for, if any.
    """
    where, params = _where(f)
    keys = ", ".join(["kpi", "team", *DIMENSIONS])
    window = f"WINDOW w AS (PARTITION BY {keys} ORDER BY month)"
    rows = f"SELECT * FROM kpi_values WHERE {' AND '.join(where)}"
    if f.months is None:
        body = f"SELECT *, {LAG} FROM ({rows}) {window}"
    elif not f.months:
        body = f"SELECT *, {LAG} FROM ({rows}) WHERE false {window}"
    else:
        body, params = _months_sql(rows, params, f.months, since, keys, window)
    ids = ", ".join(f"'{k}'" for k in f.kpi_ids)  # declared ids, checked by get_kpi
    dims = ", ".join(DIMENSIONS)
    order = f"month, team = '{ALL}' DESC, team, list_position([{ids}], kpi), {dims}"
    return f"SELECT * FROM ({body}) ORDER BY {order}", params


def _months_sql(
    rows: str, params: list, months: tuple[date, ...], since: date | None, keys: str, window: str
) -> tuple[str, list]:
    """Chosen months with their previous values, without a window over every month.

    The window covers only the months asked for and ``since``, the loaded month before the
    first of them (``kpi_values`` is stored in month order, so DuckDB skips the rest). A row
    with no earlier row in that span (a team missing a month, or new) looks further back with
    one join: its latest earlier row, or none. Same answer as the window over all months; at
    153 councils ~0.05-0.1 s instead of ~0.3-0.5 s.
    """
    first, last = min(months), max(months)
    listed = ", ".join("?" for _ in months)
    near = f"SELECT *, {LAG} FROM ({rows}) WHERE month BETWEEN ? AND ? {window}"
    chosen = f"SELECT * FROM ({near}) WHERE month IN ({listed})"
    chosen_params = [*params, since or first, last, *months]
    if since is None:
        return chosen, chosen_params
    names = keys.split(", ")
    sql = (
        f"WITH chosen AS ({chosen}), "
        f"further AS (SELECT {', '.join(f'g.{k}' for k in names)}, g.month, "
        "max(b.month) AS far_month, arg_max_null(b.value, b.month) AS far_value "
        "FROM (SELECT * FROM chosen WHERE previous_month IS NULL) g "
        f"JOIN ({rows}) b ON {' AND '.join(f'g.{k} = b.{k}' for k in names)} "
        "AND b.month < ? GROUP BY ALL) "
        "SELECT chosen.* REPLACE (coalesce(chosen.previous_month, far_month) AS previous_month, "
        "CASE WHEN chosen.previous_month IS NULL THEN far_value ELSE chosen.previous_value END "
        f"AS previous_value) FROM chosen LEFT JOIN further USING ({keys}, month)"
    )
    return sql, [*chosen_params, *params, since]


SERIES = ["kpi", "team", *DIMENSIONS]


def _history_sql(f: _Filter) -> tuple[str, list]:
    """The chosen series' values in every month up to the last month asked for: what each
    month's signal is judged on (``metrics.spc.signals``)."""
    where, params = _where(f)
    if f.months:
        where.append("month <= ?")
        params.append(max(f.months))
    cols = ", ".join([*SERIES, "month", "value"])
    return f"SELECT {cols} FROM kpi_values WHERE {' AND '.join(where)}", params


def _signals(frame: pd.DataFrame, history: pd.DataFrame, config: CouncilConfig) -> pd.DataFrame:
    """Each row's Making Data Count variation, judged as at its month, with the pattern
    behind a special cause in words (``metrics.spc``)."""
    kpis = {k: get_kpi(k) for k in history["kpi"].unique()}  # once per KPI, not per row
    polarity = {k: kpi.higher_is_better for k, kpi in kpis.items()}
    judged = spc.signals(history, SERIES, higher_better=polarity, rules=config.spc)
    special = judged["rule"] != ""
    units = history["kpi"].map({k: kpi.unit for k, kpi in kpis.items()})
    judged["pattern"] = ""
    judged.loc[special, "pattern"] = [
        spc.pattern_words(r, int(n), int(d), float(m), u)
        for r, n, d, m, u in zip(
            judged.loc[special, "rule"],
            judged.loc[special, "run"],
            judged.loc[special, "direction"],
            judged.loc[special, "mean"],
            units[special],
            strict=True,
        )
    ]
    cols = ["variation", "direction", "pattern"]
    keyed = pd.concat([history[[*SERIES, "month"]], judged[cols]], axis=1)
    wanted = frame[[*SERIES, "month"]]  # both read by snapshot.query: months as dates
    merged = wanted.merge(keyed[[*SERIES, "month", *cols]], on=[*SERIES, "month"], how="left")
    merged["variation"] = merged["variation"].fillna(spc.TOO_FEW)
    merged["direction"] = merged["direction"].fillna(0).astype(int)
    merged["pattern"] = merged["pattern"].fillna("")
    return merged[cols].set_axis(frame.index)


def _judge(frame: pd.DataFrame, signals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add unit, threshold line, status, icon and reason to each row.

    Rows are judged a KPI × split at a time, each under its one rule (a role or plan-type
    override applied), by ``metrics.status.judge_frame``, level and signal together.
    """
    if frame.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = frame.reset_index(drop=True)
    if signals is not None:
        frame = pd.concat([frame, signals.reset_index(drop=True)], axis=1)
    else:
        frame = frame.assign(variation=spc.TOO_FEW, direction=0, pattern="")
    columns = {name: np.empty(len(frame), dtype=object) for name in ("unit", *VERDICT)}
    lines = np.full(len(frame), np.nan)
    for split, rows in frame.groupby(["kpi", *DIMENSIONS], sort=False):
        k = get_kpi(split[0])
        values = dict(zip(DIMENSIONS, split[1:], strict=True))
        rule = threshold(k.id, {d: values[d] for d in k.breakdowns})
        verdict = judge_frame(rows, rule, unit=k.unit, higher_better=k.higher_is_better)
        at = rows.index.to_numpy()
        for name in VERDICT:
            columns[name][at] = verdict[name].to_numpy()
        columns["unit"][at] = k.unit
        lines[at] = np.nan if rule is None or rule.line is None else rule.line
    out = frame.assign(threshold=lines, **columns)
    earlier = pd.to_datetime(out["previous_month"])
    out["previous_month"] = pd.Series(earlier.dt.date, dtype=object).where(earlier.notna(), None)
    return out[VALUE_COLUMNS].reset_index(drop=True)


def _dates(values: Iterable[object] | None) -> tuple[date, ...] | None:
    return None if values is None else tuple(pd.Timestamp(v).date() for v in values)


@lru_cache(maxsize=256)
def _judged(db: str, version: str, config: CouncilConfig, f: _Filter) -> pd.DataFrame:
    """Judged values; ``config`` is in the key so an edited threshold counts at once."""
    since = None
    if f.months:
        loaded = snapshot.query(db, version, MONTHS_SQL, ())
        earlier = [m for m in loaded.get("month", []) if m < min(f.months)]
        since = earlier[-1] if earlier else None
    sql, params = _values_sql(f, since)
    frame = snapshot.query(db, version, sql, tuple(params)).copy()
    if frame.empty:
        return _judge(frame)
    frame = frame.reset_index(drop=True)
    history_sql, history_params = _history_sql(f)
    history = snapshot.query(db, version, history_sql, tuple(history_params)).reset_index(drop=True)
    return _judge(frame, _signals(frame, history, config))
