"""The board's narrative: plain-English sentences about each KPI, written from the numbers.

Nothing here is typed by hand or worked out again: every figure is a value the metrics
layer returns (``metrics.api.kpi_values``), written with ``metrics.formatting`` (or, for a
pack leaving the council, a ``Suppressor``), so the sentence, the chart and the table agree.

    Conferences held within 15 working days: 82.0% (41 of 50), down from 86.0% (43 of 50)
    in March 2021 — off track; the escalation measure asks for a month-on-month increase
    until at least 95.0%.
    4 of 10 teams have qualified social workers (QSW) with more than 25 children
    (March 2021: 7). Furthest from the rule: Safeguarding 2 (31.0% (4 of 13), off track),
    Family Support (20.0% (1 of 5), off track).

Every percentage carries the counts behind it, and one resting on fewer than five cases says
"few cases". Teams are listed by status, then by level (worst first), so the list never puts
a team at 95.5% above one at 84.8% because of how each moved last month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from etl.returns import get_return
from metrics import api, spc
from metrics.config import Threshold
from metrics.declarations import KPI
from metrics.formatting import few_cases, is_missing, rounded, uk_date, uk_month
from metrics.projection import kpi_projection
from metrics.rules import kind_of
from metrics.status import AT_RISK, NO_DATA, OFF_TRACK, month_end
from metrics.summary import summary
from metrics.suppression import SHOW_ALL, Suppressor

ALL = api.ALL
WORST = 3
_BAD = {OFF_TRACK: 0, AT_RISK: 1}


def rule_clause(rule: Threshold | None, unit: str) -> str:
    """What the council's rule asks for, in a few words."""
    if rule is None:
        return "no target or limit is set"
    return kind_of(rule).clause(rule, unit)


def change_phrase(
    k: KPI, now: pd.Series, before: pd.Series | None, compare: date, hide: Suppressor
) -> str:
    """``down from 86.0% in March 2021``, or why there is nothing to compare."""
    when = uk_month(compare)
    if before is None or is_missing(before["value"]):
        return f"no figure for {when}"
    old = hide.figure(before["value"], k.unit, before["numerator"], before["denominator"])
    if is_missing(now["value"]) or hide.hides(before["value"], k.unit, before["denominator"]):
        return f"{when}: {old}"
    diff = rounded(now["value"], k.unit) - rounded(before["value"], k.unit)
    if diff == 0:
        return f"no change on {when}"
    return f"{'up' if diff > 0 else 'down'} from {old} in {when}"


def passed_clause(rule: Threshold, unit: str, higher_better: bool, history: pd.DataFrame) -> str:
    """A target date that has passed, said once and plainly: ``target date 31 March 2020
    passed; not met since`` (or the last month it was met).

    ``history`` is the whole council's rows from the month the date falls in onwards.
    """
    due = uk_date(rule.date)
    target = rounded(rule.target, unit)
    shown = history["value"].dropna().map(lambda v: rounded(v, unit))
    met = shown >= target if higher_better else shown <= target
    if not met.any():
        return f"target date {due} passed; not met since"
    last = history.loc[met[met].index, "month"].max()
    return f"target date {due} passed; last met in {uk_month(last)}"


def council_sentence(
    k: KPI,
    now: pd.Series,
    before: pd.Series | None,
    compare: date,
    hide: Suppressor,
    history: pd.DataFrame | None = None,
) -> str:
    """The whole council's figure with its counts, its change since ``compare``, its status
    and the rule (a target date that has passed said as such, if ``history`` is given)."""
    shown = hide.figure(now["value"], k.unit, now["numerator"], now["denominator"])
    change = change_phrase(k, now, before, compare, hide)
    rule = api.threshold(k.id)
    clause = rule_clause(rule, k.unit)
    if (
        rule is not None
        and rule.due is not None
        and history is not None
        and now["status"] == OFF_TRACK
    ):
        clause = passed_clause(rule, k.unit, k.higher_is_better, history)
    return f"{k.title}: {shown}, {change} — {now['status']}; {clause}."


def worst_teams(rows: pd.DataFrame, k: KPI, n: int = WORST) -> pd.DataFrame:
    """The ``n`` teams off track (then at risk) in one month's team rows, worst level first.

    Ordered by status, then by level in the direction that is bad for this KPI: a list
    ordered by last month's movement put a team at 95.5% above one at 84.8%.
    """
    bad = rows[rows["status"].isin(list(_BAD))]
    worse = bad["value"] * (1 if not k.higher_is_better else -1)
    ranked = bad.assign(worse=worse, rank=bad["status"].map(_BAD))
    return ranked.sort_values(["rank", "worse", "team"], ascending=[True, False, True]).head(n)


def _breaching(k: KPI, rule: Threshold | None) -> tuple[str, str] | None:
    """For "any is too many" rules (lower is better, level 0): what a breaching team has."""
    if rule is None or rule.line != 0 or k.higher_is_better or k.numerator.aggregate != "count":
        return None
    return "have", k.numerator.text


def _team_count(k: KPI, rows: pd.DataFrame, rule: Threshold | None) -> int:
    if _breaching(k, rule):
        return int((rows["numerator"] > 0).sum())
    return int((rows["status"] == OFF_TRACK).sum())


def team_figure(row, k: KPI, hide: Suppressor) -> str:
    """``Safeguarding 2: 31.0% (4 of 13), off track`` (never brackets in brackets); a status
    on fewer than five cases is marked ``off track on few cases``; a hidden figure's status
    would hint at it, so it goes."""
    if hide.hides(row.value, k.unit, row.denominator):
        return f"{row.team}: {hide.value(row.value, k.unit, row.denominator)}"
    shown = hide.figure(row.value, k.unit, row.numerator, row.denominator)
    status = f"{row.status} on few cases" if few_cases(k.unit, row.denominator) else row.status
    return f"{row.team}: {shown}, {status}"


def named(k: KPI, sentence: str) -> str:
    """A generated sentence that says which measure it is about: a board reads a sentence
    on its own, and "1 of 10 teams are off track" alone does not say of what."""
    return f"{k.short_title}: {sentence[0].lower()}{sentence[1:]}"


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
    text = named(
        k,
        f"{_team_count(k, counted, rule)} of {len(counted)} teams {verb} {what}; "
        f"{then_text} in {uk_month(compare)}.",
    )
    worst = worst_teams(counted, k)
    if worst.empty:
        return text + " Every team is on track."
    teams = "; ".join(team_figure(row, k, hide) for row in worst.itertuples())
    return f"{text} Furthest off track: {teams}."


def _one(frame: pd.DataFrame, month: date) -> pd.Series | None:
    rows = frame[frame["month"] == month]
    return rows.iloc[0] if len(rows) else None


def since_due(db: Path | str, k: KPI, month: date) -> pd.DataFrame | None:
    """The whole council's rows from a passed target date's month up to ``month``."""
    rule = api.threshold(k.id)
    if rule is None or rule.due is None or rule.due > month_end(month):
        return None
    rows = api.kpi_values(db, [k.id], teams=[ALL])
    start = rule.due.replace(day=1)
    return rows[(rows["month"] >= start) & (rows["month"] <= month)]


def kpi_sentences(
    db: Path | str, kpi_id: str, month: object, compare: object, hide: Suppressor = SHOW_ALL
) -> list[str]:
    """The narrative for one KPI as at ``month``, compared with ``compare``.

    The council's figure and change, the teams that miss the rule, the process's signal and
    assurance (Making Data Count), and (for a KPI with a level to reach that it does not yet
    reach) whether and when a sustained change would reach it.
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
        council_sentence(k, now, _one(council, compare), compare, hide, since_due(db, k, month)),
        teams_sentence(
            k, teams[teams["month"] == month], teams[teams["month"] == compare], compare, hide
        ),
    ]
    if not hide.hides(now["value"], k.unit, now["denominator"]):
        sentences.append(named(k, process_sentence(db, kpi_id, month)))
    projection = kpi_projection(db, kpi_id, month)
    if projection is not None and not projection.already_met:
        sentences.append(named(k, projection.sentence()))
    return [s for s in sentences if s]


def process_sentence(db: Path | str, kpi_id: str, month: object, team: str = ALL) -> str:
    """The Making Data Count reading of a series at ``month``, variation then assurance,
    each in words beside its icon: ``Signal: ↑ Special cause — improving: 14 months in a row
    above the average of 76.2%. Assurance: ○ Consistently fails the target: …``."""
    reading = api.process(db, kpi_id, month, team)
    text = f"Signal: {reading.variation_text()}."
    if reading.assurance not in (spc.NO_TARGET, spc.TOO_FEW):
        text += f" Assurance: {reading.assurance_text()}."
    return text


def board_kpis(db: Path | str, month: object, every: bool = False) -> list[KPI]:
    """The measures board mode steps through after its summary screen, in the summary's
    order (``metrics.summary``): the exceptions (off track, then at risk) by default, every
    measure with a whole-council figure for ``month`` when ``every`` is asked for."""
    result = summary(db, month)
    lines = result.lines if every else result.exceptions
    return [api.kpi(line.kpi) for line in lines if line.status != NO_DATA]


def area_sentences(
    db: Path | str, area_id: str, month: object, compare: object, hide: Suppressor = SHOW_ALL
) -> dict[str, list[str]]:
    """The narrative for every KPI in an area, by KPI id, in declaration order."""
    area = next(a for a in api.areas() if a.id == area_id)
    return {k.id: kpi_sentences(db, k.id, month, compare, hide) for k in area.kpis}
