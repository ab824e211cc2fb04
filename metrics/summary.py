"""The one exceptions-first summary of every measure, worked out once for every surface.

A board reads what is red first. The overview, board mode's first screen, the pack's first
page and first content slide and ``python -m metrics show`` all draw this list, so they show
the same measures in the same order with the same counts: every measure with a figure for
the month, off track first, then at risk, then on track (then no data), and within a status
in area order, then declaration order.

Each line carries the measure in plain words, its value with the counts behind it, its
status in words and since when ("off track since November 2021", "first month off track"),
worked out from the whole council's loaded months, and its signal: variation and assurance as
Making Data Count reads them (``metrics.spc``), in words beside their icons. ``action`` is
the owner and agreed action for the measure (``metrics.actions``), when one is recorded.

"What changed" is here too: only real changes (a measure that went off track, one that
recovered), the council before its teams, at most ``CHANGES_SHOWN`` lines and "and N more".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.returns import get_return
from metrics import actions, api, snapshot
from metrics.config import CouncilConfig, load_config
from metrics.declarations import KPI
from metrics.formatting import format_figure, name_list, uk_month
from metrics.status import AT_RISK, ICONS, NO_DATA, OFF_TRACK, ON_TRACK
from metrics.suppression import SHOW_ALL, Suppressor

#: The order a board reads statuses in: what is red first.
STATUS_ORDER = (OFF_TRACK, AT_RISK, ON_TRACK, NO_DATA)
#: "What changed" is read in a minute: at most this many lines, then "and N more".
CHANGES_SHOWN = 8


@dataclass(frozen=True)
class SummaryLine:
    """One measure in the summary, already worded."""

    kpi: str  # the declaration's id
    area: str  # the area's id
    area_title: str
    measure: str  # the measure in plain words (its title)
    short: str  # its short title, for a tile or a tight table
    value: str  # the figure with its counts: "77.3% (191 of 247)"
    status: str
    icon: str
    reason: str  # why, in words (the status rule's own)
    since: str  # "off track since November 2021", "first month off track"
    #: Variation and assurance in a few words beside their icons (``metrics.spc``); ``None``
    #: for a line built without one.
    signal: str | None = None
    #: The agreed action in words, with its owner and due date (``metrics.actions``); ``None``
    #: when none is recorded for the month.
    action: str | None = None

    @property
    def status_text(self) -> str:
        """Icon and words together, never the colour alone: ``✖ off track``."""
        return f"{self.icon} {self.status}"


@dataclass(frozen=True)
class Summary:
    """Every measure for a month, exceptions first, and the counts by status."""

    month: date
    team: str
    lines: tuple[SummaryLine, ...]

    def with_status(self, *statuses: str) -> list[SummaryLine]:
        """The lines with any of ``statuses``, in summary order."""
        return [line for line in self.lines if line.status in statuses]

    @property
    def exceptions(self) -> list[SummaryLine]:
        """Off track, then at risk: what a board discusses."""
        return self.with_status(OFF_TRACK, AT_RISK)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def headline(self) -> str:
        """``9 of 36 measures off track, 4 at risk, 23 on track`` (no data only if any)."""
        parts = [f"{self.count(OFF_TRACK)} of {len(self.lines)} measures {OFF_TRACK}"]
        parts += [f"{self.count(s)} {s}" for s in (AT_RISK, ON_TRACK)]
        if self.count(NO_DATA):
            parts.append(f"{self.count(NO_DATA)} with {NO_DATA}")
        return ", ".join(parts)


def since_phrase(statuses: Iterable[tuple[date, str]], month: date) -> str:
    """How long the measure has had its status as at ``month``, from its monthly statuses
    (oldest first, ``month`` last): ``first month off track``, ``off track since November
    2021``, or ``off track in every month loaded, since April 2019``.

    The run is unbroken loaded months with the same status; a month with no data ends it.
    """
    run = [(m, s) for m, s in statuses if m <= month]
    if not run or run[-1][0] != month:
        return ""
    status = run[-1][1]
    if status == NO_DATA:
        return f"{NO_DATA} for {uk_month(month)}"
    start = len(run) - 1
    while start > 0 and run[start - 1][1] == status:
        start -= 1
    if start == len(run) - 1:
        return f"first month {status}"
    began = uk_month(run[start][0])
    if start == 0:
        return f"{status} in every month loaded, since {began}"
    return f"{status} since {began}"


def _line(
    k: KPI,
    area_title: str,
    now: pd.Series,
    history: pd.DataFrame,
    hide: Suppressor,
    signal: str | None,
    action: str | None,
) -> SummaryLine:
    """One measure's line, its signal (variation and assurance in words) and its owner's
    action worked out by the caller for the same month."""
    month = now["month"]
    statuses = zip(history["month"], history["status"], strict=True)
    return SummaryLine(
        kpi=k.id,
        area=k.area,
        area_title=area_title,
        measure=k.title,
        short=k.short_title,
        value=hide.figure(now["value"], k.unit, now["numerator"], now["denominator"]),
        status=now["status"],
        icon=now["icon"],
        reason=now["reason"],
        since=since_phrase(statuses, month),
        signal=signal,
        action=action,
    )


def _unsent(k: KPI, area_title: str, why: str, action: str | None) -> SummaryLine:
    """A measure whose return for the month is not loaded: no figure, and why."""
    return SummaryLine(
        kpi=k.id, area=k.area, area_title=area_title, measure=k.title, short=k.short_title,
        value=NO_DATA, status=NO_DATA, icon=ICONS[NO_DATA], reason=why, since=why,
        signal=None, action=action,
    )  # fmt: skip


def summary(
    db: Path | str, month: object, *, team: str = api.ALL, hide: Suppressor = SHOW_ALL
) -> Summary:
    """Every measure with a row for ``month`` (the whole council by default), exceptions
    first: status order, then area order, then declaration order.

    Worked out once per store, snapshot version, settings, month, team and suppression (a
    load or an edited setting is a new key): the overview, board mode and a pack each ask
    for it, and working it out reads every measure's process (about a second)."""
    month = pd.Timestamp(month).date()
    return _summary(*snapshot.key(db), load_config(), month, team, hide)


@lru_cache(maxsize=64)
def _summary(
    db: str, version: str, config: CouncilConfig, month: date, team: str, hide: Suppressor
) -> Summary:
    upto = [m for m in api.months(db) if m <= month]
    values = api.kpi_values(db, months=upto, teams=[team])
    areas = {a.id: (i, a.title) for i, a in enumerate(api.areas())}
    written = actions.month_actions(db, month)
    whose = actions.WHOLE_COUNCIL if team == api.ALL else team
    missing = set(api.missing_returns(db, month))
    lines = []
    for order, k in enumerate(api.all_kpis()):
        mine = values[values["kpi"] == k.id].sort_values("month")
        now = mine[mine["month"] == month]
        sent = get_return(k.return_name).title
        entry = actions.for_measure(written, k.id, whose)
        action = actions.action_words(entry) or None if entry else None
        # a return sent before but not for this month is said as such (the board must not
        # read it as "no cases"); one the council has never sent is not a gap in the month
        if sent in missing and not mine.empty:
            why = f"no {sent.lower()} return for {uk_month(month)}"
            line = _unsent(k, areas[k.area][1], why, action)
        elif now.empty:
            continue
        else:
            signal = api.process_of(k.id, mine).label()
            line = _line(k, areas[k.area][1], now.iloc[0], mine, hide, signal, action)
        lines.append((STATUS_ORDER.index(line.status), areas[k.area][0], order, line))
    lines.sort(key=lambda t: t[:3])
    return Summary(month=month, team=team, lines=tuple(t[3] for t in lines))


# --- What changed ------------------------------------------------------------------------


def _moved(now: str, before: str) -> str | None:
    """``went off track`` / ``recovered`` / ``None`` when the change is not a real one."""
    if now == OFF_TRACK and before != OFF_TRACK and before != NO_DATA:
        return f"went {OFF_TRACK}"
    if before == OFF_TRACK and now in (AT_RISK, ON_TRACK):
        return f"no longer {OFF_TRACK}, now {now},"
    return None


def status_changes(db: Path | str, month: object, previous: object) -> list[str]:
    """Every real change between two months, as sentences naming their measure: the whole
    council's measures that went off track or recovered (in summary order), then per
    measure the teams that went off track or recovered."""
    month, previous = pd.Timestamp(month).date(), pd.Timestamp(previous).date()
    values = api.kpi_values(db, months=[previous, month])
    now = values[values["month"] == month]
    both = now.merge(
        values[values["month"] == previous][["kpi", "team", "status"]],
        on=["kpi", "team"],
        suffixes=("", "_before"),
    )
    pairs = zip(both["status"], both["status_before"], strict=True)
    both["moved"] = [_moved(now_, before) for now_, before in pairs]
    moved = both[both["moved"].notna()]
    order = {line.kpi: i for i, line in enumerate(summary(db, month).lines)}
    council = moved[moved["team"] == api.ALL].sort_values("kpi", key=lambda s: s.map(order))
    lines = [
        f"{ICONS[row.status]} {api.kpi(row.kpi).title}: {row.moved} in {uk_month(month)} at "
        f"{_figure(row)}; {row.status_before} in {uk_month(previous)}."
        for row in council.itertuples()
    ]
    teams = moved[moved["team"] != api.ALL]
    for kpi_id in sorted(set(teams["kpi"]), key=lambda i: order.get(i, len(order))):
        mine = teams[teams["kpi"] == kpi_id]
        for way in (f"went {OFF_TRACK}", f"no longer {OFF_TRACK}"):
            names = sorted(mine.loc[mine["moved"].str.startswith(way), "team"])
            if names:
                lines.append(f"{api.kpi(kpi_id).title}: {way} in {name_list(names)}.")
    return lines


def _figure(row) -> str:
    return format_figure(row.value, row.unit, row.numerator, row.denominator)


def shortened(lines: list[str], most: int = CHANGES_SHOWN) -> list[str]:
    """At most ``most`` lines, the last saying how many more there are."""
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], f"And {len(lines) - most + 1} more changes."]
