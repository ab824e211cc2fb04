"""The board's narrative: plain-English sentences about each KPI, written from the numbers.

Nothing here is typed by hand or worked out again: every figure is a value the metrics
layer returns (``metrics.api.kpi_values``), written with ``metrics.formatting`` (or, for a
pack leaving the council, a ``Suppressor``), so the sentence, the chart and the table agree.

    Conferences held within 15 working days: 82.0% (down from 86.0% in March 2021) — off
    track; the escalation measure asks for a month-on-month increase.
    4 of 10 teams have qualified social workers (QSW) with more than 25 children
    (March 2021: 7). Furthest from the rule: Safeguarding 2 (31.0%, off track),
    Family Support (20.0%, off track).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from etl.returns import get_return
from metrics import api
from metrics.config import Threshold
from metrics.declarations import KPI
from metrics.formatting import format_value, is_missing, rounded, uk_date, uk_month
from metrics.projection import kpi_projection
from metrics.status import AT_RISK, OFF_TRACK
from metrics.suppression import SHOW_ALL, Suppressor

ALL = api.ALL
WORST = 3
_BAD = {OFF_TRACK: 0, AT_RISK: 1}


def rule_clause(rule: Threshold | None, unit: str) -> str:
    """What the council's rule asks for, in a few words."""
    if rule is None:
        return "no threshold is set"
    if rule.kind == "month_on_month_increase":
        return "the escalation measure asks for a month-on-month increase"
    if rule.kind == "target_by_date":
        return f"the target is {format_value(rule.target, unit)} by {uk_date(rule.date)}"
    word = "limit" if rule.kind == "cap" else "floor"
    return f"the {word} is {format_value(rule.limit, unit)}"


def change_phrase(
    k: KPI, now: pd.Series, before: pd.Series | None, compare: date, hide: Suppressor
) -> str:
    """``down from 86.0% in March 2021``, or why there is nothing to compare."""
    when = uk_month(compare)
    if before is None or is_missing(before["value"]):
        return f"no figure for {when}"
    old = hide.value(before["value"], k.unit, before["denominator"])
    if is_missing(now["value"]) or old != format_value(before["value"], k.unit):
        return f"{when}: {old}"
    diff = rounded(now["value"], k.unit) - rounded(before["value"], k.unit)
    if diff == 0:
        return f"no change on {when}"
    return f"{'up' if diff > 0 else 'down'} from {old} in {when}"


def council_sentence(
    k: KPI, now: pd.Series, before: pd.Series | None, compare: date, hide: Suppressor
) -> str:
    """The whole council's figure, its change since ``compare``, its status and the rule."""
    shown = hide.value(now["value"], k.unit, now["denominator"])
    change = change_phrase(k, now, before, compare, hide)
    rule = rule_clause(api.threshold(k.id), k.unit)
    return f"{k.title}: {shown} ({change}) — {now['status']}; {rule}."


def worst_teams(rows: pd.DataFrame, k: KPI, n: int = WORST) -> pd.DataFrame:
    """The ``n`` teams furthest off track (then at risk) in one month's team rows.

    Distance is from the threshold line, or for "must rise" rules from the team's previous
    month, in the direction that is bad for this KPI.
    """
    bad = rows[rows["status"].isin(list(_BAD))]
    line = bad["threshold"].where(bad["threshold"].notna(), bad["previous_value"])
    gap = (bad["value"] - line) * (1 if not k.higher_is_better else -1)
    ranked = bad.assign(gap=gap, rank=bad["status"].map(_BAD))
    return ranked.sort_values(["rank", "gap", "team"], ascending=[True, False, True]).head(n)


def _breaching(k: KPI, rule: Threshold | None) -> tuple[str, str] | None:
    """For "any is too many" rules (lower is better, level 0): what a breaching team has."""
    if rule is None or rule.line != 0 or k.higher_is_better or k.numerator.aggregate != "count":
        return None
    return "have", k.numerator.text


def _team_count(k: KPI, rows: pd.DataFrame, rule: Threshold | None) -> int:
    if _breaching(k, rule):
        return int((rows["numerator"] > 0).sum())
    return int((rows["status"] == OFF_TRACK).sum())


def _named(row, k: KPI, hide: Suppressor) -> str:
    """``Safeguarding 2 (31.0%, off track)``; a hidden figure's status would hint at it."""
    if hide.hides(row.value, k.unit, row.denominator):
        return f"{row.team} ({hide.value(row.value, k.unit, row.denominator)})"
    return f"{row.team} ({format_value(row.value, k.unit)}, {row.status})"


def teams_sentence(
    k: KPI, now: pd.DataFrame, before: pd.DataFrame, compare: date, hide: Suppressor
) -> str | None:
    """How many teams miss the rule (then and now), and which are furthest off track."""
    counted = now[now["value"].notna()]
    if counted.empty:
        return None
    rule = api.threshold(k.id)
    verb, what = _breaching(k, rule) or ("are", "off track")
    then = before[before["value"].notna()]
    then_text = str(_team_count(k, then, rule)) if len(then) else "no figures"
    text = (
        f"{_team_count(k, counted, rule)} of {len(counted)} teams {verb} {what} "
        f"({uk_month(compare)}: {then_text})."
    )
    worst = worst_teams(counted, k)
    if worst.empty:
        return text + " Every team is on track."
    named = ", ".join(_named(row, k, hide) for row in worst.itertuples())
    return f"{text} Furthest from the rule: {named}."


def _one(frame: pd.DataFrame, month: date) -> pd.Series | None:
    rows = frame[frame["month"] == month]
    return rows.iloc[0] if len(rows) else None


def kpi_sentences(
    db: Path | str, kpi_id: str, month: object, compare: object, hide: Suppressor = SHOW_ALL
) -> list[str]:
    """The narrative for one KPI as at ``month``, compared with ``compare``.

    The council's figure and change, the teams that miss the rule, and (for a KPI with a
    level to reach that it does not yet reach) when the recent trend would reach it.
    """
    k = api.kpi(kpi_id)
    month, compare = pd.Timestamp(month).date(), pd.Timestamp(compare).date()
    values = api.kpi_values(db, [kpi_id], months=[compare, month])
    council = values[values["team"] == ALL]
    now = _one(council, month)
    if now is None:
        title = get_return(k.return_name).title
        if title in api.missing_returns(db, month):  # a return not sent is said as such
            return [f"{k.title}: no {title.lower()} return for {uk_month(month)}."]
        return [f"{k.title}: no data for {uk_month(month)}."]
    teams = values[values["team"] != ALL]
    sentences = [
        council_sentence(k, now, _one(council, compare), compare, hide),
        teams_sentence(
            k, teams[teams["month"] == month], teams[teams["month"] == compare], compare, hide
        ),
    ]
    projection = kpi_projection(db, kpi_id, month)
    if projection is not None and not projection.already_met:
        sentences.append(projection.sentence())
    return [s for s in sentences if s]


def area_sentences(
    db: Path | str, area_id: str, month: object, compare: object, hide: Suppressor = SHOW_ALL
) -> dict[str, list[str]]:
    """The narrative for every KPI in an area, by KPI id, in declaration order."""
    area = next(a for a in api.areas() if a.id == area_id)
    return {k.id: kpi_sentences(db, k.id, month, compare, hide) for k in area.kpis}
