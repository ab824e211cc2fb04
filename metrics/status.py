"""Status rules: from a KPI value and its council threshold to on track / at risk / off track.

A status always comes with its reason in words and an icon, so it never rests on colour:
"✖ off track — Down 3.1 points on April 2021; must rise every month."
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics.config import Threshold
from metrics.formatting import format_change, format_value, is_missing, rounded, uk_date, uk_month

ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NO_DATA = "no data"
ICONS = {ON_TRACK: "✔", AT_RISK: "▲", OFF_TRACK: "✖", NO_DATA: "–"}
MUST_RISE = "must rise every month"


@dataclass(frozen=True)
class Status:
    """A judged KPI value: the status word, why, and its icon."""

    status: str
    reason: str
    icon: str


def _status(status: str, reason: str) -> Status:
    return Status(status, reason[0].upper() + reason[1:], ICONS[status])


def _limit_rule(rule: Threshold, value: float, unit: str) -> Status:
    """Cap (at most ``limit``) or floor (at least ``limit``).

    A miss by less than ``warn_within`` is "at risk" rather than "off track".
    """
    shown, limit = rounded(value, unit), rounded(rule.limit, unit)
    v, lim = format_value(value, unit), format_value(rule.limit, unit)
    is_cap = rule.kind == "cap"
    word = "limit" if is_cap else "floor"
    breached = shown > limit if is_cap else shown < limit
    if not breached:
        side = "at or below" if is_cap else "at or above"
        return _status(ON_TRACK, f"{v}, {side} the {word} of {lim}")
    gap = format_change(shown - limit, unit)
    side = "above" if is_cap else "below"
    if rule.warn_within is not None and abs(shown - limit) < rule.warn_within:
        return _status(AT_RISK, f"{v}, {gap} {side} the {word} of {lim}")
    return _status(OFF_TRACK, f"{v}, {gap} {side} the {word} of {lim}")


def month_end(month: date) -> date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def _target_rule(rule: Threshold, value: float, unit: str, higher_better: bool, month: date):
    """Reach ``target`` by ``date``; a month ending on or after the date is judged as final."""
    shown, target = rounded(value, unit), rounded(rule.target, unit)
    met = shown >= target if higher_better else shown <= target
    v, t, due = format_value(value, unit), format_value(rule.target, unit), uk_date(rule.date)
    if met:
        return _status(ON_TRACK, f"{v}, meets the target of {t} (due by {due})")
    if month_end(month) >= rule.date:
        return _status(OFF_TRACK, f"{v}; the target of {t} was due by {due} and is not met")
    return _status(AT_RISK, f"{v}; must reach {t} by {due}")


def _rise_rule(
    value: float, unit: str, previous: float | None, previous_month: date | None
) -> Status:
    """Must rise every month: rise on track, no change at risk, fall off track."""
    if unit == "percent" and rounded(value, unit) >= 100:
        return _status(ON_TRACK, f"at {format_value(value, unit)}, as high as it can be")
    if is_missing(previous) or previous_month is None:
        return _status(AT_RISK, f"no earlier month to compare with; {MUST_RISE}")
    diff = rounded(value, unit) - rounded(previous, unit)
    when = uk_month(previous_month)
    if diff > 0:
        return _status(ON_TRACK, f"up {format_change(diff, unit)} on {when}; {MUST_RISE}")
    if diff == 0:
        return _status(AT_RISK, f"no change on {when}; {MUST_RISE}")
    return _status(OFF_TRACK, f"down {format_change(diff, unit)} on {when}; {MUST_RISE}")


def judge(
    rule: Threshold | None,
    value: float | None,
    *,
    unit: str,
    higher_better: bool,
    month: date,
    previous: float | None = None,
    previous_month: date | None = None,
) -> Status:
    """The status of one KPI value for one month (and team or breakdown)."""
    if is_missing(value):
        return _status(NO_DATA, f"no data for {uk_month(month)}: nothing to count")
    if rule is None:
        return _status(NO_DATA, "no threshold is set for this measure in the council settings")
    if rule.kind in ("cap", "floor"):
        return _limit_rule(rule, float(value), unit)
    if rule.kind == "target_by_date":
        return _target_rule(rule, float(value), unit, higher_better, month)
    return _rise_rule(float(value), unit, previous, previous_month)


def describe(rule: Threshold | None, unit: str, higher_better: bool) -> str:
    """The rule in words, for "how this is calculated"."""
    if rule is None:
        return "No threshold is set."
    if rule.kind == "month_on_month_increase":
        return "Must rise every month: a rise is on track, no change at risk, a fall off track."
    if rule.kind == "target_by_date":
        way = "at least" if higher_better else "at most"
        return (
            f"Must be {way} {format_value(rule.target, unit)} by {uk_date(rule.date)}: "
            "until then a miss is at risk, from that month on it is off track."
        )
    way = "at most" if rule.kind == "cap" else "at least"
    text = f"Must be {way} {format_value(rule.limit, unit)}"
    if rule.warn_within is not None:
        text += f"; missing it by less than {format_change(rule.warn_within, unit)} is at risk"
    return text + "."
