"""Statistical process control: is a month's figure a signal, or the noise every process has?

NHS England's *Making Data Count* reads a monthly measure with an XmR (individuals) chart:

- the **mean** of the months in the baseline, and the **natural process limits**, mean ±
  2.66 × the mean moving range (the moving range is the gap between a month and the one
  before it; 2.66 = 3 / 1.128, three sigma estimated from it);
- **special-cause rules**, each a pattern common-cause variation rarely makes: a month
  outside the limits; a *shift* of ``shift`` months in a row on one side of the mean; a
  *trend* of ``trend`` months in a row each higher (or each lower) than the one before; two
  of three months in a row beyond two sigma (mean ± 2/3 × 2.66 × the mean moving range) on
  the same side, all three on that side;
- **variation**: the latest month's pattern — common cause, special cause improving or
  special cause concerning, the KPI's polarity (``higher_is_better``) deciding which;
- **assurance**: where the target sits against the limits — consistently meets it (the
  whole band meets it), consistently fails (the whole band misses it), or hit and miss (the
  target lies inside the band).

The baseline is every month up to the as-at month, or, when the council declares rebase
dates (``spc: rebase_dates`` in council.yaml: an improvement notice, a new recording system),
the months since the last rebase: a rebase starts a new mean and new limits. Fewer than
``minimum`` months in a baseline are "not enough months yet": no limits, no signal.

Two readings, one implementation:

- ``chart``: one chart as at a month, the baseline fixed over it; every month in a pattern
  that fires is marked (what the chart, its table and ``python -m metrics spc`` show);
- ``signals``: each month judged *as it was at that month* (its own expanding baseline, the
  patterns ending at it): what a month's status rests on, so a past month's status does not
  change when later months arrive. At the as-at month the two agree.

Both work on frames of many series at once (KPI × team × split), the windows as array
shifts, never a loop over rows. Where this differs from NHSRplotthedots, and why, is in
docs/spc.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.formatting import format_value, rounded

#: 3 / d2 (d2 = 1.128 for moving ranges of two points): three sigma from the mean moving range
LIMIT = 2.66
#: two sigma, in mean moving ranges
TWO_SIGMA = LIMIT * 2 / 3

UP, DOWN = 1, -1
IMPROVEMENT, CONCERN = "improvement", "concern"

# Variation (the point type of a month), as ``python -m metrics spc`` writes it.
COMMON = "common_cause"
SPECIAL_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CONCERN = "special_cause_concern"
TOO_FEW = "not_enough_months"
#: A signal at least as good as another's: what the status property test orders by.
SIGNAL_RANK = {SPECIAL_CONCERN: 0, TOO_FEW: 1, COMMON: 1, SPECIAL_IMPROVEMENT: 2}

# Assurance (the target against the limits).
MEETS = "consistently_meets"
FAILS = "consistently_fails"
HIT_AND_MISS = "hit_and_miss"
NO_TARGET = "no_target"

#: Words first, the icon beside them (never an icon alone). The variation arrow says which
#: way the figure moved (high or low), the words whether that is good news.
VARIATION_WORDS = {
    COMMON: "Common cause",
    SPECIAL_IMPROVEMENT: "Special cause — improving",
    SPECIAL_CONCERN: "Special cause — concerning",
    TOO_FEW: "Not enough months yet",
}
ASSURANCE_WORDS = {
    MEETS: "Consistently meets the target",
    FAILS: "Consistently fails the target",
    HIT_AND_MISS: "Hit and miss",
    NO_TARGET: "No target to assure against",
    TOO_FEW: "Not enough months yet",
}
#: Filled, half, empty: the share of the process that meets the target (glyphs every font
#: the dashboard and the packs use has: DejaVu Sans and the browsers' own).
ASSURANCE_ICONS = {MEETS: "●", FAILS: "○", HIT_AND_MISS: "◐", NO_TARGET: "", TOO_FEW: ""}
COMMON_ICON = "∿"

#: The rules, in the order a sentence names the one that fired: a sustained change (a trend,
#: then a shift) first, since it says more than one month's place and is what a projection
#: carries forward.
RULES = ("trend", "shift", "outside", "two_of_three")


@dataclass(frozen=True)
class SpcRules:
    """The council's rule lengths and baselines (``spc:`` in council.yaml), with Making Data
    Count's defaults."""

    shift: int = 7
    trend: int = 6
    two_of_three: bool = True
    #: fewer months than this in a baseline: no limits, no signal
    minimum: int = 12
    #: dates every KPI's baseline starts again from (the month each falls in)
    rebase_dates: tuple[date, ...] = ()
    #: (kpi id, dates) for rebases of one KPI only
    kpi_rebase_dates: tuple[tuple[str, tuple[date, ...]], ...] = ()

    def rebases(self, kpi_id: str | None = None) -> tuple[date, ...]:
        """The months a KPI's baselines start from, oldest first."""
        own = dict(self.kpi_rebase_dates).get(kpi_id, ()) if kpi_id else ()
        return tuple(sorted({d.replace(day=1) for d in (*self.rebase_dates, *own)}))


# --- The arrays ---------------------------------------------------------------------------


def _lag(values: np.ndarray, group: np.ndarray, t: int) -> np.ndarray:
    """``values`` ``t`` rows earlier in the same group (NaN where there is none)."""
    out = np.full(len(values), np.nan)
    if t == 0:
        return values.astype(float)
    if t < len(values):
        same = group[t:] == group[:-t]
        out[t:] = np.where(same, values[:-t], np.nan)
    return out


def _side(values: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """+1 above the mean, -1 below, 0 on it (a month on the mean breaks a shift)."""
    return np.sign(np.where(np.isnan(values), np.nan, values - mean))


@dataclass(frozen=True)
class _Windows:
    """For each row, the patterns that end at it (judged against that row's mean and
    limits), by direction: ``fires[rule]`` is +1 (up), -1 (down) or 0."""

    fires: dict[str, np.ndarray]
    beyond: np.ndarray  # +1 / -1 for a month beyond two sigma above / below, else 0


def _windows(
    y: np.ndarray, group: np.ndarray, mean: np.ndarray, amr: np.ndarray, rules: SpcRules
) -> _Windows:
    upper, lower = mean + LIMIT * amr, mean - LIMIT * amr
    high, low = mean + TWO_SIGMA * amr, mean - TWO_SIGMA * amr
    outside = np.where(y > upper, UP, np.where(y < lower, DOWN, 0))
    # shift: the last ``shift`` months all on one side of this row's mean
    sides = np.stack([_side(_lag(y, group, t), mean) for t in range(rules.shift)])
    shift = np.where((sides == UP).all(0), UP, np.where((sides == DOWN).all(0), DOWN, 0))
    # trend: the last ``trend`` months each above (below) the one before: trend - 1 rises
    steps = np.stack(
        [np.sign(_lag(y, group, t) - _lag(y, group, t + 1)) for t in range(rules.trend - 1)]
    )
    trend = np.where((steps == UP).all(0), UP, np.where((steps == DOWN).all(0), DOWN, 0))
    # two of three: the last three months on one side, at least two beyond two sigma
    last3 = [_lag(y, group, t) for t in range(3)]
    side3 = np.stack([_side(v, mean) for v in last3])
    above = sum((v > high).astype(int) for v in last3)
    below = sum((v < low).astype(int) for v in last3)
    two = np.where((side3 == UP).all(0) & (above >= 2), UP, 0)
    two = np.where((side3 == DOWN).all(0) & (below >= 2), DOWN, two)
    if not rules.two_of_three:
        two = np.zeros(len(y), dtype=int)
    beyond = np.where(y > high, UP, np.where(y < low, DOWN, 0))
    return _Windows(
        {"outside": outside, "shift": shift, "trend": trend, "two_of_three": two}, beyond
    )


def _direction(sign: np.ndarray, higher_better: np.ndarray) -> np.ndarray:
    """+1 where a pattern's direction is an improvement for its KPI, -1 a concern, 0 none."""
    return sign * np.where(higher_better, 1, -1)


def _ordered(frame: pd.DataFrame, keys: Sequence[str], rules: SpcRules) -> pd.DataFrame:
    """Present values in series order (numbers only, on ``frame``'s index labels): value,
    baseline segment, group (series × segment) and ``at``, the row's position in ``frame``.

    Keys are factorised column by column and rows ordered with one ``lexsort``: sorting and
    grouping the frame's text columns cost most of a page's judging.
    """
    at = np.flatnonzero(frame["value"].notna().to_numpy())
    stamps = pd.to_datetime(frame["month"]).to_numpy(dtype="datetime64[ns]")[at]
    series = np.zeros(len(at), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(frame[key].to_numpy(dtype=object)[at])
        series = series * (len(uniques) + 1) + codes
    segment = np.zeros(len(at), dtype=np.int64)
    kpis = frame["kpi"].to_numpy(dtype=object)[at] if "kpi" in frame else None
    for kpi_id in pd.unique(kpis) if kpis is not None else [None]:
        starts = rules.rebases(kpi_id)
        if starts:
            mine = kpis == kpi_id if kpis is not None else np.ones(len(at), dtype=bool)
            edges = np.array([pd.Timestamp(d) for d in starts], dtype="datetime64[ns]")
            segment[mine] = np.searchsorted(edges, stamps[mine], side="right")
    order = np.lexsort((stamps, segment, series))
    group = pd.factorize(series[order] * 1000 + segment[order])[0]
    return pd.DataFrame(
        {
            "value": frame["value"].to_numpy(dtype=float)[at][order],
            "segment": segment[order],
            "group": group,
            "at": at[order],
        },
        index=frame.index[at][order],
    )


def _placed(
    length: int, at: np.ndarray, columns: dict[str, np.ndarray], defaults: dict[str, object]
) -> dict[str, np.ndarray]:
    """Columns of ``length`` rows: each default, with ``columns``' values at positions ``at``."""
    out = {}
    for name, default in defaults.items():
        values = np.asarray(columns[name])
        kind = float if isinstance(default, float) else int if isinstance(default, int) else object
        full = np.full(length, default, dtype=kind)
        full[at] = values
        out[name] = full
    return out


def _moving_range(y: np.ndarray, group: np.ndarray) -> np.ndarray:
    return np.abs(y - _lag(y, group, 1))


def _runs(y: np.ndarray, group: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many months in a row, ending at each row, sit on its side of its mean, and have
    moved the same way (for the sentence: "8 months above the average")."""
    side = _side(y, mean)
    step = np.sign(y - _lag(y, group, 1))
    same_side, same_step = np.ones(len(y), dtype=int), np.ones(len(y), dtype=int)
    going_side = side != 0
    going_step = step != 0
    t = 1
    while going_side.any() or going_step.any():
        earlier = _side(_lag(y, group, t), mean)
        going_side &= earlier == side
        same_side += going_side
        earlier_step = np.sign(_lag(y, group, t) - _lag(y, group, t + 1))
        going_step &= earlier_step == step
        same_step += going_step
        t += 1
    return same_side, np.where(step != 0, same_step + 1, 1)


def _verdict(flags: dict[str, np.ndarray], higher_better: np.ndarray) -> tuple[np.ndarray, ...]:
    """special_cause ('improvement', 'concern' or ''), variation code, the rule that decided
    and its direction (+1 up, -1 down), from each rule's +1/-1 marks. Concern wins when both
    fire (docs/spc.md); among rules the first of ``RULES`` is named."""
    n = len(higher_better)
    good, bad = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for name in RULES:
        way = _direction(flags[name], higher_better)
        good |= way > 0
        bad |= way < 0
    chosen = np.full(n, "", dtype=object)
    direction = np.zeros(n, dtype=int)
    for name in reversed(RULES):
        way = _direction(flags[name], higher_better)
        decided = np.where(bad, way < 0, way > 0)
        chosen = np.where(decided, name, chosen)
        direction = np.where(decided, flags[name], direction)
    cause = np.where(bad, CONCERN, np.where(good, IMPROVEMENT, ""))
    variation = np.where(bad, SPECIAL_CONCERN, np.where(good, SPECIAL_IMPROVEMENT, COMMON))
    return cause, variation, chosen, direction


def _polarity(
    frame: pd.DataFrame, at: np.ndarray, higher_better: bool | dict[str, bool]
) -> np.ndarray:
    """Each ordered row's polarity (rows at positions ``at`` of ``frame``)."""
    if isinstance(higher_better, dict):
        codes, uniques = pd.factorize(frame["kpi"].to_numpy(dtype=object)[at])
        return np.array([bool(higher_better[k]) for k in uniques], dtype=bool)[codes]
    return np.full(len(at), bool(higher_better))


SIGNAL_COLUMNS = [
    "special_cause",
    "variation",
    "rule",
    "direction",
    "run",
    "mean",
    "lower_limit",
    "upper_limit",
]


def signals(
    frame: pd.DataFrame,
    keys: Sequence[str],
    *,
    higher_better: bool | dict[str, bool],
    rules: SpcRules,
) -> pd.DataFrame:
    """Each month judged as it was at that month: the variation of the latest point of the
    chart as at that month (its baseline every month of its segment up to it).

    ``frame`` has ``keys`` (one series each; with ``kpi`` among them, ``higher_better`` may
    map KPI ids to polarity), ``month`` and ``value``. The result, on ``frame``'s index, has
    ``SIGNAL_COLUMNS``: ``variation`` is ``not_enough_months`` for a month with fewer than
    ``rules.minimum`` months in its baseline and for a month with no value; ``rule`` names the
    pattern that decided, ``run`` how many months it spans so far.
    """
    defaults = {
        "special_cause": "",
        "variation": TOO_FEW,
        "rule": "",
        "direction": 0,
        "run": 0,
        "mean": np.nan,
        "lower_limit": np.nan,
        "upper_limit": np.nan,
    }
    rows = _ordered(frame, keys, rules)
    if rows.empty:
        return pd.DataFrame({k: [v] * len(frame) for k, v in defaults.items()}, index=frame.index)
    y = rows["value"].to_numpy(dtype=float)
    group = rows["group"].to_numpy()
    count = rows.groupby("group", sort=False).cumcount().to_numpy() + 1
    mean = rows.groupby("group", sort=False)["value"].cumsum().to_numpy() / count
    ranges = pd.Series(_moving_range(y, group), index=rows.index)
    amr = ranges.fillna(0).groupby(group).cumsum().to_numpy() / np.maximum(count - 1, 1)
    enough = count >= rules.minimum
    windows = _windows(y, group, mean, amr, rules)
    polarity = _polarity(frame, rows["at"].to_numpy(), higher_better)
    flags = dict(windows.fires)
    # the latest month is part of a two-of-three pattern only if it is beyond two sigma
    flags["two_of_three"] = np.where(
        windows.beyond == flags["two_of_three"], flags["two_of_three"], 0
    )
    flags = {k: np.where(enough, v, 0) for k, v in flags.items()}
    cause, variation, rule, direction = _verdict(flags, polarity)
    side_run, step_run = _runs(y, group, mean)
    run = np.where(rule == "trend", step_run, np.where(rule == "shift", side_run, 0))
    judged = {
        "special_cause": cause,
        "variation": np.where(enough, variation, TOO_FEW),
        "rule": rule,
        "direction": direction,
        "run": run,
        "mean": np.where(enough, mean, np.nan),
        "lower_limit": np.where(enough, mean - LIMIT * amr, np.nan),
        "upper_limit": np.where(enough, mean + LIMIT * amr, np.nan),
    }
    placed = _placed(len(frame), rows["at"].to_numpy(), judged, defaults)
    return pd.DataFrame(placed, index=frame.index)[SIGNAL_COLUMNS]


CHART_COLUMNS = ["mean", "lower_limit", "upper_limit", "special_cause", "variation", "segment"]


def chart(
    frame: pd.DataFrame,
    keys: Sequence[str],
    *,
    higher_better: bool | dict[str, bool],
    rules: SpcRules,
) -> pd.DataFrame:
    """XmR charts as at the latest month given: each series' baseline is every month of its
    segment in ``frame``; every month in a pattern that fires is marked.

    Returns ``CHART_COLUMNS`` on ``frame``'s index (a month with no value has no limits, no
    signal and a blank variation; a segment of fewer than ``rules.minimum`` months has no
    limits and every month in it is ``not_enough_months``). ``segment`` numbers the
    baselines from 0.
    """
    defaults = {
        "mean": np.nan,
        "lower_limit": np.nan,
        "upper_limit": np.nan,
        "special_cause": "",
        "variation": "",
        "segment": 0,
    }
    rows = _ordered(frame, keys, rules)
    if rows.empty:
        return pd.DataFrame({k: [v] * len(frame) for k, v in defaults.items()}, index=frame.index)
    y = rows["value"].to_numpy(dtype=float)
    group = rows["group"].to_numpy()
    by = rows.groupby("group", sort=False)
    mean = by["value"].transform("mean").to_numpy()
    count = by["value"].transform("size").to_numpy()
    ranges = pd.Series(_moving_range(y, group), index=rows.index)
    amr = ranges.groupby(group).transform("mean").fillna(0).to_numpy()
    enough = count >= rules.minimum
    windows = _windows(y, group, mean, amr, rules)
    marked = {"outside": windows.fires["outside"]}
    for name, length in (("shift", rules.shift), ("trend", rules.trend), ("two_of_three", 3)):
        fires = windows.fires[name]
        part = fires.copy()
        for t in range(1, length):  # every month of a window that fires, back from its end
            later = np.zeros(len(fires), dtype=int)
            later[:-t] = fires[t:]
            part = np.where((part == 0) & (later != 0), later, part)
        if name == "two_of_three":  # only the months beyond two sigma, as Making Data Count
            part = np.where(windows.beyond == part, part, 0)
        marked[name] = part
    marked = {k: np.where(enough, v, 0) for k, v in marked.items()}
    polarity = _polarity(frame, rows["at"].to_numpy(), higher_better)
    cause, variation, _rule, _way = _verdict(marked, polarity)
    drawn = {
        "mean": np.where(enough, mean, np.nan),
        "lower_limit": np.where(enough, mean - LIMIT * amr, np.nan),
        "upper_limit": np.where(enough, mean + LIMIT * amr, np.nan),
        "special_cause": cause,
        "variation": np.where(enough, variation, TOO_FEW),
        "segment": rows["segment"].to_numpy(),
    }
    placed = _placed(len(frame), rows["at"].to_numpy(), drawn, defaults)
    return pd.DataFrame(placed, index=frame.index)[CHART_COLUMNS]


# --- Assurance ----------------------------------------------------------------------------


def assurance(
    lower: float, upper: float, target: float | None, *, unit: str, higher_better: bool
) -> str:
    """Where the target sits against the process limits (compared as shown, like statuses):
    the whole band meets it, the whole band misses it, or it lies inside the band."""
    if target is None or pd.isna(target):
        return NO_TARGET
    if pd.isna(lower) or pd.isna(upper):
        return TOO_FEW
    low, high, goal = rounded(lower, unit), rounded(upper, unit), rounded(target, unit)
    if higher_better:
        return MEETS if low >= goal else FAILS if high < goal else HIT_AND_MISS
    return MEETS if high <= goal else FAILS if low > goal else HIT_AND_MISS


# --- Words --------------------------------------------------------------------------------


def variation_icon(variation: str, direction: int) -> str:
    """↑ or ↓ (which way the pattern went: high or low) for a special cause, ∿ for common
    cause, nothing when there is no judgement yet. Always beside the words."""
    if variation == COMMON:
        return COMMON_ICON
    if variation in (SPECIAL_IMPROVEMENT, SPECIAL_CONCERN):
        return "↑" if direction > 0 else "↓"
    return ""


def pattern_words(rule: str, run: int, direction: int, mean: float, unit: str) -> str:
    """The pattern that fired, in words: ``7 months in a row above the average of 82.1%``."""
    high = direction > 0
    if rule == "outside":
        return f"{'above the upper' if high else 'below the lower'} process limit"
    if rule == "shift":
        side = "above" if high else "below"
        return f"{run} months in a row {side} the average of {format_value(mean, unit)}"
    if rule == "trend":
        return f"{run} months in a row {'rising' if high else 'falling'}"
    if rule == "two_of_three":
        return f"2 of the last 3 months close to the {'upper' if high else 'lower'} limit"
    return ""


def possible(lower: float, upper: float, unit: str) -> tuple[float, float]:
    """Limits as words and the band show them: no measure here is below 0, and a percentage
    is at most 100 (the CSV keeps the arithmetic's own limits, to check against)."""
    low = max(lower, 0.0) if not pd.isna(lower) else lower
    high = min(upper, 100.0) if unit == "percent" and not pd.isna(upper) else upper
    return low, high


def variation_sentence(
    variation: str,
    rule: str,
    run: int,
    direction: int,
    *,
    mean: float,
    lower: float,
    upper: float,
    unit: str,
    months: int,
    minimum: int,
) -> str:
    """``Special cause — improving: 7 months in a row above the average of 82.1%``, the
    spread of common-cause months, or how many months a judgement still needs."""
    words = VARIATION_WORDS[variation]
    lower, upper = possible(lower, upper, unit)
    if variation == TOO_FEW:
        return f"{words}: {months} of the {minimum} months needed to judge"
    if variation == COMMON:
        return (
            f"{words}: no sign of change; months vary around an average of "
            f"{format_value(mean, unit)} between {format_value(lower, unit)} and "
            f"{format_value(upper, unit)}"
        )
    return f"{words}: {pattern_words(rule, run, direction, mean, unit)}"


def assurance_sentence(
    code: str, *, target: float | None, lower: float, upper: float, unit: str, higher_better: bool
) -> str:
    """``Hit and miss: the target of 95.0% lies inside the process limits (80.1% to 97.3%)``."""
    words = ASSURANCE_WORDS[code]
    if code in (NO_TARGET, TOO_FEW):
        return words
    lower, upper = possible(lower, upper, unit)
    band = f"({format_value(lower, unit)} to {format_value(upper, unit)})"
    goal = format_value(target, unit)
    if code == HIT_AND_MISS:
        return f"{words}: the target of {goal} lies inside the process limits {band}"
    meets = "at or above" if higher_better else "at or below"
    misses = "below" if higher_better else "above"
    where = meets if code == MEETS else misses
    return f"{words}: the process limits {band} lie {where} {goal}"


@dataclass(frozen=True)
class Process:
    """One series' reading at its latest month: variation and assurance, with their words."""

    variation: str
    direction: int
    rule: str
    run: int
    mean: float
    lower: float
    upper: float
    assurance: str
    target: float | None
    unit: str
    higher_better: bool
    months: int
    minimum: int

    @property
    def variation_icon(self) -> str:
        return variation_icon(self.variation, self.direction)

    @property
    def assurance_icon(self) -> str:
        return ASSURANCE_ICONS[self.assurance]

    def variation_text(self) -> str:
        """``↑ Special cause — improving: 7 months in a row above the average of 82.1%``."""
        words = variation_sentence(
            self.variation,
            self.rule,
            self.run,
            self.direction,
            mean=self.mean,
            lower=self.lower,
            upper=self.upper,
            unit=self.unit,
            months=self.months,
            minimum=self.minimum,
        )
        return f"{self.variation_icon} {words}".strip()

    def assurance_text(self) -> str:
        """``◐ Hit and miss: the target of 95.0% lies inside the process limits (…)``."""
        words = assurance_sentence(
            self.assurance,
            target=self.target,
            lower=self.lower,
            upper=self.upper,
            unit=self.unit,
            higher_better=self.higher_better,
        )
        if self.variation in (SPECIAL_IMPROVEMENT, SPECIAL_CONCERN) and self.rule in (
            "shift",
            "trend",
        ):
            words += "; the process has moved since this baseline (a rebase would start new limits)"
        return f"{self.assurance_icon} {words}".strip()

    def label(self) -> str:
        """The two readings in a few words, for a table cell or a tile: ``∿ Common cause ·
        ◐ Hit and miss``."""
        parts = [f"{self.variation_icon} {VARIATION_WORDS[self.variation]}".strip()]
        if self.assurance not in (NO_TARGET, TOO_FEW):
            parts.append(f"{self.assurance_icon} {ASSURANCE_WORDS[self.assurance]}")
        return " · ".join(parts)


def variation_label(variation: str, direction: int) -> str:
    """A month's variation in a few words with its icon: ``↑ Special cause — improving``."""
    return f"{variation_icon(variation, direction)} {VARIATION_WORDS[variation]}".strip()


def process(
    series: pd.DataFrame,
    *,
    target: float | None,
    unit: str,
    higher_better: bool,
    rules: SpcRules,
    kpi_id: str | None = None,
) -> Process:
    """The reading of one series (``month``, ``value``) at its latest month."""
    frame = series[["month", "value"]].assign(kpi=kpi_id or "", team="")
    frame = frame.reset_index(drop=True)
    judged = signals(frame, ["kpi", "team"], higher_better=higher_better, rules=rules)
    present = frame["value"].notna()
    if not present.any():
        return Process(
            TOO_FEW,
            0,
            "",
            0,
            np.nan,
            np.nan,
            np.nan,
            TOO_FEW,
            target,
            unit,
            higher_better,
            0,
            rules.minimum,
        )
    latest = frame.loc[present].assign(_m=pd.to_datetime(frame["month"])).sort_values("_m")
    at = latest.index[-1]
    row = judged.loc[at]
    segments = _ordered(frame, ["kpi", "team"], rules)
    months = int((segments["segment"] == segments.loc[at, "segment"]).sum())
    lower, upper = float(row["lower_limit"]), float(row["upper_limit"])
    return Process(
        variation=str(row["variation"]),
        direction=int(row["direction"]),
        rule=str(row["rule"]),
        run=int(row["run"]),
        mean=float(row["mean"]),
        lower=lower,
        upper=upper,
        assurance=assurance(lower, upper, target, unit=unit, higher_better=higher_better),
        target=target,
        unit=unit,
        higher_better=higher_better,
        months=months,
        minimum=rules.minimum,
    )
