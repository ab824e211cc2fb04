"""The metrics layer's read API: the only thing pages, reports and exports ask for numbers.

Everything here reads the published snapshot (``etl.store.open_reader``), never the master a
loader may be writing, and mostly reads the pre-computed ``kpi_values`` table, so a page asks
for a few hundred rows instead of scanning the returns. Results are cached per store and
snapshot version: a new load publishes a new snapshot, the version changes and the next call
sees the new month, without restarting the app. No Streamlit here, so the CLI and the board
pack share exactly this code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.returns import monthly_returns
from metrics import compute, snapshot
from metrics.config import CouncilConfig, Threshold, load_config
from metrics.declarations import DIMENSIONS, KPI, Area, declarations, get_kpi
from metrics.formatting import (
    format_change,
    format_value,
    is_missing,
    name_list,
    rounded,
    uk_month,
)
from metrics.status import NO_DATA, OFF_TRACK, describe, judge_frame

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
]


# --- Declarations ------------------------------------------------------------------------


def areas() -> tuple[Area, ...]:
    """The area pages, in order, each with its KPIs (headline first)."""
    return declarations().areas


def kpi(kpi_id: str) -> KPI:
    """One KPI's declaration."""
    return get_kpi(kpi_id)


def all_kpis() -> list[KPI]:
    """Every declared KPI in declaration order."""
    return list(declarations().kpis.values())


def threshold(kpi_id: str, breakdown: dict[str, str] | None = None) -> Threshold | None:
    """The council's rule for a KPI, with any role or plan-type override applied."""
    rule = load_config().threshold(get_kpi(kpi_id).threshold_key)
    if rule is None or not breakdown:
        return rule
    return rule.for_breakdown({k: v for k, v in breakdown.items() if v not in (None, ALL)})


def target_date(kpi_id: str) -> date | None:
    """The date a target must be met by, for KPIs whose rule has one."""
    rule = threshold(kpi_id)
    return rule.date if rule is not None and rule.kind == "target_by_date" else None


def how_calculated(kpi_id: str) -> str:
    """The KPI's definition in plain English (Markdown), from its declaration and the rule."""
    k = get_kpi(kpi_id)
    rule = threshold(kpi_id)
    how = {
        "percent": "Numerator ÷ denominator, as a percentage.",
        "ratio": "Numerator ÷ denominator.",
        "numerator": "The numerator itself.",
    }[k.value_rule]
    splits = ", ".join(["team", *k.breakdowns])
    lines = [
        f"**{k.title}.** {k.description}",
        "",
        f"- **Numerator:** {k.numerator.text}.",
        f"- **Denominator:** {k.denominator.text}.",
        f"- **Value:** {how} No denominator means no data, never zero.",
        f"- **Source:** the {k.return_name} return; by month, for the whole council and by "
        f"{splits}. The council figure is counted from all rows, not averaged from teams.",
        f"- **Threshold:** {describe(rule, k.unit, k.higher_is_better)}",
    ]
    if k.notes:
        lines.append(f"- **Notes:** {k.notes}")
    return "\n".join(lines)


# --- The store ---------------------------------------------------------------------------


MONTHS_SQL = "SELECT DISTINCT month FROM kpi_values ORDER BY month"


def months(db: Path | str) -> list[date]:
    """Every month with KPI values, oldest first."""
    frame = snapshot.read(db, MONTHS_SQL)
    return list(frame["month"]) if len(frame) else []


def teams(db: Path | str) -> list[str]:
    """Every team that appears in any loaded month, in name order."""
    sql = f"SELECT DISTINCT team FROM kpi_values WHERE team <> '{ALL}' ORDER BY team"
    frame = snapshot.read(db, sql)
    return list(frame["team"]) if len(frame) else []


def store_kind(db: Path | str) -> str | None:
    """``demo`` or ``real`` (``None`` for an empty or missing store)."""
    frame = snapshot.read(db, "SELECT value FROM store_meta WHERE key = 'kind'")
    return frame["value"].iloc[0] if len(frame) else None


def last_loaded(db: Path | str) -> datetime | None:
    """When a return was last loaded or replaced."""
    frame = snapshot.read(
        db,
        "SELECT max(loaded_at) AS at FROM load_log WHERE status IN ('loaded', 'replaced')",
    )
    if frame.empty or is_missing(frame["at"].iloc[0]):
        return None
    return pd.Timestamp(frame["at"].iloc[0]).to_pydatetime()


def missing_returns(db: Path | str, month: date) -> list[str]:
    """Titles of the monthly returns with no rows for this month."""
    specs = monthly_returns()
    union = " UNION ALL ".join(
        f"SELECT '{s.name}' AS name FROM (SELECT 1 FROM {s.name} WHERE month = ? LIMIT 1)"
        for s in specs
    )
    frame = snapshot.read(db, union, [pd.Timestamp(month).date()] * len(specs))
    if frame.empty and not months(db):
        return []
    present = set(frame["name"]) if len(frame) else set()
    return [s.title for s in specs if s.name not in present]


# --- KPI values --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filter:
    kpi_ids: tuple[str, ...]
    months: tuple[date, ...] | None
    teams: tuple[str, ...] | None
    plan_type: str | None
    role: str | None


LAG = "lag(month) OVER w AS previous_month, lag(value) OVER w AS previous_value"


def _values_sql(f: _Filter, since: date | None = None) -> tuple[str, list]:
    """kpi_values with each row's previous loaded month's value, then the filters.

    The previous value is taken before the month filter so that the first month asked for
    still knows the month before it (the month-on-month rules need it); ``since`` is the
    loaded month before the first month asked for, if any.
    """
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


def _judge(frame: pd.DataFrame) -> pd.DataFrame:
    """Add unit, threshold line, status, icon and reason to each row.

    Rows are judged a KPI × split at a time, each under its one rule (a role or plan-type
    override applied), by ``metrics.status.judge_frame``.
    """
    if frame.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = frame.reset_index(drop=True)
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


def kpi_values(
    db: Path | str,
    kpi_ids: Iterable[str] | None = None,
    *,
    months: Iterable[object] | None = None,
    teams: Iterable[str] | None = None,
    plan_type: str | None = ALL,
    role: str | None = ALL,
) -> pd.DataFrame:
    """KPI values judged against the council's thresholds.

    One row per KPI × month × team (``ALL`` = whole council) for the chosen plan type and
    role (``ALL`` = not split; ``None`` = every split), with the previous loaded month's value,
    the threshold line, and status, icon and reason in words.
    """
    chosen = tuple(kpi_ids) if kpi_ids is not None else tuple(declarations().kpis)
    for kpi_id in chosen:
        get_kpi(kpi_id)  # a clear error for an unknown id
    f = _Filter(chosen, _dates(months), None if teams is None else tuple(teams), plan_type, role)
    return _judged(*snapshot.key(db), load_config(), f).copy()


@lru_cache(maxsize=256)
def _judged(db: str, version: str, config: CouncilConfig, f: _Filter) -> pd.DataFrame:
    """Judged values; ``config`` is in the key so an edited threshold counts at once."""
    since = None
    if f.months:
        loaded = snapshot.query(db, version, MONTHS_SQL, ())
        earlier = [m for m in loaded.get("month", []) if m < min(f.months)]
        since = earlier[-1] if earlier else None
    sql, params = _values_sql(f, since)
    return _judge(snapshot.query(db, version, sql, tuple(params)).copy())


def headline(db: Path | str, month: object) -> pd.DataFrame:
    """The whole council's headline KPIs for a month, in declaration order."""
    ids = [k.id for k in declarations().kpis.values() if k.headline]
    frame = kpi_values(db, ids, months=[month], teams=[ALL])
    order = {kpi_id: i for i, kpi_id in enumerate(ids)}
    return frame.sort_values("kpi", key=lambda s: s.map(order)).reset_index(drop=True)


def kpi_rows(
    db: Path | str,
    kpi_id: str,
    month: object,
    team: str | None = None,
    **breakdowns: str | None,
) -> pd.DataFrame:
    """The record-level rows (pseudonymous IDs only) behind one KPI figure."""
    when = pd.Timestamp(month).date()
    return _rows(*snapshot.key(db), kpi_id, when, team, tuple(breakdowns.items())).copy()


@lru_cache(maxsize=64)
def _rows(db: str, version: str, kpi_id: str, month: date, team, breakdowns) -> pd.DataFrame:
    def work(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        return compute.kpi_rows(con, kpi_id, month, team, **dict(breakdowns))

    rows = snapshot.run(db, version, work)
    return pd.DataFrame() if rows is None else rows


# --- What changed ------------------------------------------------------------------------


def _change_sentence(k: KPI, now: pd.Series, before: pd.Series, previous: date) -> str:
    value, old = now["value"], before["value"]
    shown = format_value(value, k.unit)
    if is_missing(value) or is_missing(old):
        text = f"{k.short_title}: {shown} (no figure to compare in {uk_month(previous)})"
    else:
        diff = rounded(value, k.unit) - rounded(old, k.unit)
        if diff == 0:
            text = f"{k.short_title}: {shown}, no change on {uk_month(previous)}"
        else:
            way = "up" if diff > 0 else "down"
            text = (
                f"{k.short_title}: {shown}, {way} {format_change(diff, k.unit)} on "
                f"{uk_month(previous)} ({format_value(old, k.unit)})"
            )
    if now["status"] != before["status"] and NO_DATA not in (now["status"], before["status"]):
        text += f"; now {now['icon']} {now['status']} (was {before['status']})"
    return text + "."


def changes(db: Path | str, month: object, previous: object) -> list[str]:
    """Plain sentences on what moved between two months: each headline KPI, then teams."""
    month, previous = pd.Timestamp(month).date(), pd.Timestamp(previous).date()
    ids = [k.id for k in declarations().kpis.values() if k.headline]
    frame = kpi_values(db, ids, months=[previous, month])
    council = frame[frame["team"] == ALL].set_index(["kpi", "month"])
    teams = frame[frame["team"] != ALL]
    both = teams[teams["month"] == month].merge(
        teams[teams["month"] == previous], on=["kpi", "team"], suffixes=("", "_before")
    )
    off = both[(both["status"] == OFF_TRACK) & (both["status_before"] != OFF_TRACK)]
    lines = []
    for kpi_id in ids:
        k = get_kpi(kpi_id)
        if (kpi_id, month) in council.index and (kpi_id, previous) in council.index:
            now, before = council.loc[(kpi_id, month)], council.loc[(kpi_id, previous)]
            lines.append(_change_sentence(k, now, before, previous))
        newly_off = sorted(off.loc[off["kpi"] == kpi_id, "team"])
        if newly_off:
            lines.append(
                f"{k.short_title}: newly off track in {uk_month(month)} — {name_list(newly_off)}."
            )
    return lines
