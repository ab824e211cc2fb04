"""The metrics layer's read API: the only thing pages, reports and exports ask for numbers.

Everything here reads the published snapshot (``etl.write.store.open_reader``), never the master a
loader may be writing, and mostly reads the pre-computed ``kpi_values`` table, so a page asks
for a few hundred rows instead of scanning the returns. Results are cached per store and
snapshot version: a new load publishes a new snapshot, the version changes and the next call
sees the new month, without restarting the app. No Streamlit here, so the CLI and the board
pack share exactly this code.

This module is what pages are served; the judged values themselves (the SQL over
``kpi_values`` and the status of every row) are worked out in ``metrics.values``, and the
names pages use from there (``threshold``, ``ALL``, ``VALUE_COLUMNS``) are importable here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl.returns import monthly_returns
from metrics import compute, snapshot, spc
from metrics.config import load_config
from metrics.declarations import KPI, Area, declarations, get_kpi
from metrics.formatting import (
    is_missing,
    uk_month,
)
from metrics.status import describe
from metrics.values import (  # noqa: F401 - computed there, served from here
    ALL,
    MONTHS_SQL,
    VALUE_COLUMNS,
    VERDICT,
    _dates,
    _Filter,
    _judged,
    threshold,
)

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


def target_date(kpi_id: str) -> date | None:
    """The date a target must be met by, for KPIs whose rule has one."""
    rule = threshold(kpi_id)
    return rule.due if rule is not None else None


def _bar_word(rule) -> str:
    """One vocabulary: a cap is a "limit"; every other level a measure must reach, a
    "target"."""
    return "Limit" if rule is not None and rule.kind == "cap" else "Target"


def bar_word(kpi_id: str) -> str:
    """What a KPI's threshold is called on charts and in tables: "Limit" or "Target"."""
    return _bar_word(threshold(kpi_id))


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
        f"- **{_bar_word(rule)}:** {describe(rule, k.unit, k.higher_is_better)}",
    ]
    if k.notes:
        lines.append(f"- **Notes:** {k.notes}")
    return "\n".join(lines)


def how_signal_is_read(kpi_id: str) -> str:
    """How the dashboard tells a signal from noise for this KPI (Markdown, for "how this is
    calculated"): Making Data Count's XmR chart with the council's rule lengths and
    baselines, and what that means for its status and projection."""
    k = get_kpi(kpi_id)
    rules = load_config().spc
    rule = threshold(kpi_id)
    better = "higher" if k.higher_is_better else "lower"
    rebases = rules.rebases(kpi_id)
    baseline = (
        "every month up to the month shown"
        if not rebases
        else "the months since the latest rebase date before the month shown ("
        + ", ".join(uk_month(d) for d in rebases)
        + "): a rebase starts a new mean and new limits, drawn as a break"
    )
    lines = [
        "**Signal or noise (NHS England's *Making Data Count*).** Each month is read on an "
        "XmR chart: the mean of the baseline and the natural process limits, the mean ± 2.66 "
        "× the average month-to-month change (the grey band). The baseline is "
        f"{baseline}; with fewer than {rules.minimum} months it says "
        '"not enough months yet" and draws no limits.',
        "",
        "- **Special cause** (a ringed or boxed month on the chart): a month outside the "
        f"limits; {rules.shift} months in a row on one side of the mean; {rules.trend} months "
        "in a row each higher (or each lower) than the last"
        + (
            "; 2 of 3 months in a row beyond two sigma on the same side"
            if rules.two_of_three
            else ""
        )
        + f". For this measure {better} is better, which decides improving or concerning; "
        "when both fire, concerning is said.",
        "- **Common cause**: none of these. The months vary as this process always does, and "
        "a move from one month to the next is noise, not news.",
        "- **Assurance** compares the target with the limits: the whole band meets it "
        "(consistently meets), misses it (consistently fails) or straddles it (hit and miss).",
        "- **Status** reads level and signal together, so a team with a better figure and a "
        "signal at least as good never has a worse status. A month's status is judged on the "
        "months up to it, so it does not change when later months arrive.",
    ]
    if rule is not None and rule.kind in ("month_on_month_increase", "rise_until"):
        lines.append(
            '- **The escalation measure\'s "month-on-month increase"** is met when the '
            "process shows special-cause improvement (or the figure meets its level), as "
            "Making Data Count reads an improvement: one month above the last is not enough, "
            "and one month below it is not a failure. The change on the month before is "
            "still given, as a fact."
        )
    lines.append(
        "- **Projection**: drawn only for a special-cause shift or trend, from the latest "
        "figure, with a robust (Theil–Sen) slope over the current baseline; otherwise it says "
        "whether the target is met at the process's level."
    )
    lines.append(
        "- **Compared with NHSRplotthedots** (the NHS-R community's R package for Making Data "
        f"Count): a trend is {rules.trend} months here (7 there) and is judged by its "
        "direction, not its side of the mean; two of three counts any month beyond two sigma; "
        "when improving and concerning patterns both fire, concerning is said; moving ranges "
        f"are not screened for outliers; under {rules.minimum} months no trial limits are "
        "drawn; a target exactly on a limit counts as met; each month's status uses the "
        "months up to it. Why: docs/spc.md in the dashboard's repository."
    )
    return "\n".join(lines)


# --- The store ---------------------------------------------------------------------------


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


# --- Signal or noise (Making Data Count) ------------------------------------------------

CHART_COLUMNS = [
    "month",
    "team",
    "value",
    "mean",
    "lower_limit",
    "upper_limit",
    "special_cause",
    "variation",
    "assurance",
    "baseline",
    "segment",
]


def process_chart(
    db: Path | str,
    kpi_id: str,
    month: object,
    teams: Iterable[str] | None = (ALL,),
    *,
    plan_type: str = ALL,
    role: str = ALL,
) -> pd.DataFrame:
    """The XmR chart as at ``month`` for each team asked for (``None``: every team and the
    council): every month up to it with the mean and limits of its baseline, the special
    cause marked (``improvement`` / ``concern`` / blank), its variation, the assurance of
    its baseline against the council's target, and ``baseline`` — True for the months of
    the baseline the latest month is judged on (False only before a rebase)."""
    k = get_kpi(kpi_id)
    when = pd.Timestamp(month).date()
    values = kpi_values(db, [kpi_id], teams=teams, plan_type=plan_type, role=role)
    values = values[values["month"] <= when].reset_index(drop=True)
    if values.empty:
        return pd.DataFrame(columns=CHART_COLUMNS)
    rules = load_config().spc
    drawn = spc.chart(values, ["kpi", "team"], higher_better=k.higher_is_better, rules=rules)
    out = pd.concat([values[["month", "team", "value", "threshold"]], drawn], axis=1)
    out["assurance"] = [
        spc.assurance(lo, hi, t, unit=k.unit, higher_better=k.higher_is_better)
        if not pd.isna(v)
        else ""  # a month with no figure is not on the chart
        for v, lo, hi, t in zip(
            out["value"], out["lower_limit"], out["upper_limit"], out["threshold"], strict=True
        )
    ]
    last = out.groupby("team")["segment"].transform("max")
    out["baseline"] = out["segment"] == last
    return out[CHART_COLUMNS]


def process(db: Path | str, kpi_id: str, month: object, team: str = ALL) -> spc.Process:
    """One series' Making Data Count reading at ``month``: variation and assurance in
    words (``spc.Process``), on the months up to it, as its status is judged."""
    when = pd.Timestamp(month).date()
    values = kpi_values(db, [kpi_id], teams=[team])
    return process_of(kpi_id, values[values["month"] <= when])


def process_of(kpi_id: str, values: pd.DataFrame) -> spc.Process:
    """``process`` on one series' values already in hand (``kpi_values`` rows of one KPI and
    team, up to the month read): the summary reads every measure's from one query."""
    k = get_kpi(kpi_id)
    rule = threshold(kpi_id)
    return spc.process(
        values,
        target=None if rule is None else rule.line,
        unit=k.unit,
        higher_better=k.higher_is_better,
        rules=load_config().spc,
        kpi_id=kpi_id,
    )
