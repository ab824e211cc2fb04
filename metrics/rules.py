"""The status rule kinds: one small class each, holding everything a kind means.

A council's ``thresholds:`` entry names a kind (``cap``, ``floor``, ``target_by_date``,
``month_on_month_increase``, ``rise_until``) and gives its parameters; the parameters are a
``metrics.config.Threshold``, the meaning is here. Each kind says

- which parameters it needs (``required``) and which the settings page may change
  (``fields``), and checks them (``check``);
- how a month is judged, for many values at once (``judge``: statuses and reasons);
- the rule in words: ``describe`` (how this is calculated), ``summary`` (a preview line on
  the settings page), ``clause`` (the narrative's "the limit is 20.0%");
- the level a chart draws and a projection aims for (``line``, ``goal``), and the date it is
  due by, if any (``due``).

Nothing else switches on a rule's kind: ``metrics.status``, ``metrics.config``,
``metrics.settings_store``, ``metrics.narrative`` and ``metrics.projection`` ask ``kind_of``.
Adding a kind (say "must fall every month") is one class here, registered with ``@register``.

Values are compared as shown (``rounded``), so 25.04 under a cap of 25 is at the cap.

Level and signal decide together. Each month comes with its Making Data Count variation
(``metrics.spc.signals``: special cause improving or concerning, common cause, or not enough
months yet) and the pattern behind it in words. A cap or floor missed by more than its
warning band is "at risk" rather than "off track" while the process shows special-cause
improvement; a target not yet due is "off track" when the process shows special-cause
concern; a "month-on-month increase" is met by special-cause improvement (or a level at or
above its ``limit``), not by one month above the last: a common-cause wobble is "at risk",
special-cause concern "off track". So, under one rule in one month, a better level with a
signal at least as good never has a worse status (tests/test_status_vectorised.py). The
literal change on the month before stays in the sentence as a fact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from metrics.formatting import (
    DECIMALS,
    format_change,
    format_value,
    is_missing,
    rounded,
    uk_date,
    uk_month,
)
from metrics.spc import SPECIAL_CONCERN, SPECIAL_IMPROVEMENT, TOO_FEW


class Threshold(Protocol):
    """The parameters of one rule, as ``metrics.config.Threshold`` holds them (read here, never
    built here: typing them by what a kind reads keeps this module below ``metrics.config``,
    which asks ``kind_of``)."""

    @property
    def kind(self) -> str: ...
    @property
    def limit(self) -> float | None: ...
    @property
    def target(self) -> float | None: ...
    @property
    def date(self) -> date | None: ...
    @property
    def warn_within(self) -> float | None: ...


ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NO_DATA = "no data"
MUST_RISE = "must rise every month"

#: (statuses, reasons) for the rows judged: reasons uncapitalised, ``metrics.status`` does that
Judged = tuple[np.ndarray, list[str]]


def month_end(month: date) -> date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def must_rise(until: float | None, unit: str) -> str:
    """What a rise rule asks, in words: ``must rise every month until at least 95.0%``."""
    return MUST_RISE if until is None else f"{MUST_RISE} until at least {format_value(until, unit)}"


def texts(values: Iterable, write: Callable[[Any], str]) -> dict[Any, str]:
    """Each distinct value written once (a page judges thousands of rows, few of them apart)."""
    return {v: write(v) for v in set(values)}


def rounded_array(values: np.ndarray, unit: str) -> np.ndarray:
    """``rounded`` for an array: Python's own rounding, so the shown value is the same."""
    places = DECIMALS.get(unit, 1)
    return np.array([round(v, places) for v in values.tolist()], dtype=float)


class RuleKind:
    """One kind of status rule. Subclasses set the class attributes and the methods below."""

    kind: ClassVar[str]
    #: parameters a rule of this kind must give in council.yaml
    required: ClassVar[tuple[str, ...]] = ()
    #: parameters the settings page may change, in the order it asks for them
    fields: ClassVar[tuple[str, ...]] = ()
    #: what the level is called in a projection ("the limit of 20.0% is met by ...")
    goal: ClassVar[str] = "target"

    def check(self, rule: Threshold) -> None:
        """Raise ``ValueError`` naming what a rule of this kind is missing."""
        for name in self.required:
            if getattr(rule, name) is None:
                raise ValueError(f"a {self.kind} threshold needs `{name}`")

    def line(self, rule: Threshold) -> float | None:
        """The value a chart draws as the threshold line (and a projection aims for)."""
        return None

    def due(self, rule: Threshold) -> date | None:
        """The date the rule's level must be reached by, if it has one."""
        return None

    def judge(
        self,
        rule: Threshold,
        values: np.ndarray,
        *,
        unit: str,
        higher_better: bool,
        months: list,
        previous: np.ndarray,
        previous_months: list,
        variations: np.ndarray,
        patterns: list[str],
    ) -> Judged:
        """Statuses and reasons for an array of present values, their months, the values
        (NaN: none) and months before them, and each month's variation (a ``metrics.spc``
        code) with the pattern behind a special cause in words."""
        raise NotImplementedError

    def describe(self, rule: Threshold, unit: str, higher_better: bool) -> str:
        """The rule in a sentence, for "how this is calculated"."""
        raise NotImplementedError

    def summary(self, rule: Threshold, unit: str) -> str:
        """The rule in a few words, for the settings page's preview line."""
        raise NotImplementedError

    def clause(self, rule: Threshold, unit: str) -> str:
        """What the rule asks for, as the narrative says it: ``the limit is 20.0%``."""
        raise NotImplementedError


KINDS: dict[str, RuleKind] = {}


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Make a rule kind known to council.yaml and every page (one line per new kind)."""
    KINDS[cls.kind] = cls()
    return cls


def kind_of(rule: Threshold | str) -> RuleKind:
    """The kind of a rule (or of a kind's name)."""
    return KINDS[rule if isinstance(rule, str) else rule.kind]


class _Limit(RuleKind):
    """Cap (at most ``limit``) or floor (at least ``limit``). A miss by less than
    ``warn_within`` is "at risk" rather than "off track"."""

    required = ("limit",)
    fields = ("limit", "warn_within")
    is_cap: ClassVar[bool]
    #: "limit" for a cap, "target" for a level to reach: one vocabulary on every surface
    word: ClassVar[str]

    def line(self, rule: Threshold) -> float | None:
        return rule.limit

    def judge(
        self,
        rule,
        values,
        *,
        unit,
        higher_better,
        months,
        previous,
        previous_months,
        variations,
        patterns,
    ):
        shown = rounded_array(values, unit)
        limit = rounded(rule.limit, unit)
        lim = format_value(rule.limit, unit)
        breached = shown > limit if self.is_cap else shown < limit
        gaps = shown - limit
        warn = rule.warn_within
        near = breached & (np.abs(gaps) < warn) if warn is not None else np.zeros_like(breached)
        improving = breached & ~near & (variations == SPECIAL_IMPROVEMENT)
        written = texts(values, lambda v: format_value(v, unit))
        gap_text = texts(gaps[breached], lambda g: format_change(g, unit))
        within = f", {'at or below' if self.is_cap else 'at or above'} the {self.word} of {lim}"
        outside = f" {'above' if self.is_cap else 'below'} the {self.word} of {lim}"
        statuses = np.where(breached, np.where(near | improving, AT_RISK, OFF_TRACK), ON_TRACK)
        reasons = []
        for v, g, out, better, why in zip(values, gaps, breached, improving, patterns, strict=True):
            if not out:
                reasons.append(f"{written[v]}{within}")
            elif better:
                reasons.append(
                    f"{written[v]}, {gap_text[g]}{outside}, but improving — special cause: {why}"
                )
            else:
                reasons.append(f"{written[v]}, {gap_text[g]}{outside}")
        return statuses, reasons

    def _way(self) -> str:
        return "at most" if self.is_cap else "at least"

    def describe(self, rule, unit, higher_better):
        text = f"Must be {self._way()} {format_value(rule.limit, unit)}"
        if rule.warn_within is not None:
            text += f"; missing it by less than {format_change(rule.warn_within, unit)} is at risk"
        return (
            text + "; a miss while the process shows special-cause improvement (Making Data "
            "Count) is at risk rather than off track."
        )

    def summary(self, rule, unit):
        text = f"{self._way()} {format_value(rule.limit, unit)}"
        if rule.warn_within is not None:
            text += f" (at risk if missed by less than {format_change(rule.warn_within, unit)})"
        return text

    def clause(self, rule, unit):
        return f"the {self.word} is {format_value(rule.limit, unit)}"


@register
class Cap(_Limit):
    kind = "cap"
    is_cap = True
    word = "limit"
    goal = "limit"


@register
class Floor(_Limit):
    kind = "floor"
    is_cap = False
    word = "target"
    goal = "target"


@register
class TargetByDate(RuleKind):
    """Reach ``target`` by ``date``; a month ending on or after the date is judged as final:
    until then a miss is at risk, from that month on off track."""

    kind = "target_by_date"
    required = ("target",)
    fields = ("target", "date")
    goal = "target"

    def check(self, rule: Threshold) -> None:
        super().check(rule)
        if not isinstance(rule.date, date):
            raise ValueError("a target_by_date threshold needs `date` (YYYY-MM-DD)")

    def line(self, rule):
        return rule.target

    def due(self, rule):
        return rule.date

    def judge(
        self,
        rule,
        values,
        *,
        unit,
        higher_better,
        months,
        previous,
        previous_months,
        variations,
        patterns,
    ):
        shown = rounded_array(values, unit)
        target = rounded(rule.target, unit)
        met = shown >= target if higher_better else shown <= target
        t, due = format_value(rule.target, unit), uk_date(rule.date)
        ended = texts(months, lambda m: month_end(m) >= rule.date)
        late = np.array([ended[m] for m in months], dtype=bool)
        away = ~met & ~late & (variations == SPECIAL_CONCERN)
        written = texts(values, lambda v: format_value(v, unit))
        statuses = np.where(met, ON_TRACK, np.where(late | away, OFF_TRACK, AT_RISK))
        tails = {
            ON_TRACK: f", meets the target of {t} (due by {due})",
            OFF_TRACK: f"; target date {due} passed, the target of {t} not met",
            AT_RISK: f"; must reach {t} by {due}",
        }
        reasons = [
            f"{written[v]}; must reach {t} by {due} and is moving away from it — "
            f"special cause: {why}"
            if going
            else f"{written[v]}{tails[s]}"
            for v, s, going, why in zip(values, statuses, away, patterns, strict=True)
        ]
        return statuses, reasons

    def describe(self, rule, unit, higher_better):
        way = "at least" if higher_better else "at most"
        return (
            f"Must be {way} {format_value(rule.target, unit)} by {uk_date(rule.date)}: "
            "until then a miss is at risk (off track if the process shows special-cause "
            "concern, moving away from the target), from that month on it is off track."
        )

    def summary(self, rule, unit):
        return f"target {format_value(rule.target, unit)} by {uk_date(rule.date)}"

    def clause(self, rule, unit):
        return f"the target is {format_value(rule.target, unit)} by {uk_date(rule.date)}"


@register
class MonthOnMonthIncrease(RuleKind):
    """The escalation measure's "month-on-month increase", read as Making Data Count reads
    an improvement: met by special-cause improvement (on track); common-cause variation is
    at risk and special-cause concern off track. A percentage at 100 is on track (it cannot
    rise). The month's literal change is said as a fact, not as the verdict."""

    kind = "month_on_month_increase"

    def until(self, rule: Threshold) -> float | None:
        """The level at or above which the rule is met whatever the month before was."""
        return None

    def judge(
        self,
        rule,
        values,
        *,
        unit,
        higher_better,
        months,
        previous,
        previous_months,
        variations,
        patterns,
    ):
        until = self.until(rule)
        shown = rounded_array(values, unit)
        level = (
            shown >= rounded(until, unit)
            if until is not None
            else np.zeros(len(values), dtype=bool)
        )
        full = shown >= 100 if unit == "percent" else np.zeros(len(values), dtype=bool)
        earlier = np.array([not is_missing(m) for m in previous_months], dtype=bool)
        earlier &= ~np.isnan(previous)
        before = np.where(earlier, rounded_array(previous, unit), np.nan)
        diffs = shown - before
        when = texts([m for m, ok in zip(previous_months, earlier, strict=True) if ok], uk_month)
        written = texts(values, lambda v: format_value(v, unit))
        moved = texts(diffs[earlier & (diffs != 0)], lambda d: format_change(d, unit))
        target = "" if until is None else format_value(until, unit)
        reached = f", at or above the target of {target}" if target else ""
        below = f", below the target of {target}" if target else ""
        statuses, reasons = [], []
        rows = zip(
            values, diffs, previous_months, level, full, earlier, variations, patterns, strict=True
        )
        for v, d, m, high, top, ok, signal, why in rows:
            if not ok:
                fact = "no earlier month to compare with"
            elif d > 0:
                fact = f"up {moved[d]} on {when[m]}"
            elif d == 0:
                fact = f"no change on {when[m]}"
            else:
                fact = f"down {moved[d]} on {when[m]}"
            if high:
                statuses.append(ON_TRACK)
                reasons.append(f"{written[v]}{reached}; {fact}")
            elif top:
                statuses.append(ON_TRACK)
                reasons.append(f"at {written[v]}, as high as it can be")
            elif signal == SPECIAL_IMPROVEMENT:
                statuses.append(ON_TRACK)
                reasons.append(f"{written[v]}{below}, but improving — special cause: {why}; {fact}")
            elif signal == SPECIAL_CONCERN:
                statuses.append(OFF_TRACK)
                reasons.append(
                    f"{written[v]}{below} and getting worse — special cause: {why}; {fact}"
                )
            elif signal == TOO_FEW:
                statuses.append(AT_RISK)
                reasons.append(
                    f"{written[v]}{below}; not enough months yet to see a sustained rise; {fact}"
                )
            else:
                statuses.append(AT_RISK)
                reasons.append(
                    f"{written[v]}{below}; no sustained rise (common cause variation); {fact}"
                )
        return np.array(statuses, dtype=object), reasons

    def describe(self, rule, unit, higher_better):
        return (
            "Must show a sustained rise: on track while the process shows special-cause "
            "improvement; otherwise at risk, or off track while it shows special-cause concern."
        )

    def summary(self, rule, unit):
        return must_rise(self.until(rule), unit)

    def clause(self, rule, unit):
        return "the escalation measure asks for a month-on-month increase"


@register
class RiseUntil(MonthOnMonthIncrease):
    """Must rise every month until at least ``limit``: a level at or above it is on track
    whatever the month before was (without it a team at 95.5% that dipped from 96% was off
    track while one at 84.8% rising was on track)."""

    kind = "rise_until"
    required = ("limit",)
    fields = ("limit",)

    def until(self, rule):
        return rule.limit

    def line(self, rule):
        return rule.limit

    def describe(self, rule, unit, higher_better):
        level = format_value(rule.limit, unit)
        return (
            f"Must rise until at least {level}: on track at {level} or more, or below it while "
            "the process shows a sustained rise (special-cause improvement); otherwise at risk, "
            "or off track while it shows special-cause concern."
        )

    def clause(self, rule, unit):
        return (
            "the escalation measure asks for a month-on-month increase until at least "
            f"{format_value(rule.limit, unit)}"
        )
