"""Changing the council's status rules from the dashboard: checked, previewed, written back
keeping the file's comments and layout, and audited.

Only the numbers and dates of **status rules** (limits, targets, target dates, "at risk"
margins: the ``fields`` each kind in ``metrics.rules`` lists) and the board meeting dates
may be changed here. They take effect at once:
``metrics.config.load_config`` re-reads the file when it changes. Caseload caps, the ICPC
limit, supervision cycles and visit timescales change how figures are *counted*, so a change
to them needs ``python -m metrics refresh`` over every stored month; they stay read-only on
the page rather than leave the stored figures silently out of step with the file. A rule
value that the file ties to one of those (a YAML alias such as ``limit: *qsw_cap``) is
read-only for the same reason.

The file is edited with ruamel.yaml's round-trip mode (comments, anchors, quoting and order
kept), written to a temporary file beside it, read back through ``load_config`` and only then
moved into place with ``os.replace``, all while the change's audit row is pending
(``etl.write.audit.recording``): no audit row, no change; a failed write, no audit row.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from etl.write import audit
from metrics.config import NEIGHBOUR_AVERAGES, Threshold, config_path, load_config
from metrics.declarations import declarations
from metrics.formatting import uk_date
from metrics.rules import kind_of

FIELD_LABELS = {
    "limit": "Limit",
    "target": "Target",
    "date": "Target date",
    "warn_within": '"At risk" margin',
}
BOARD_DATES = "board_meeting_dates"
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y")
REFRESH_NOTE = (
    "Caseload caps, the ICPC limit, supervision cycles and visit timescales change how the "
    "figures are counted, so they are not changed here: edit config/council.yaml, then run "
    "`python -m metrics refresh --db <store>` so every stored month is counted again."
)


class SettingsInvalid(ValueError):
    """Requested settings that cannot be saved; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class RuleSetting:
    """One status rule as the settings page shows it: the KPI it judges, and what may change."""

    key: str
    title: str
    unit: str
    higher_better: bool
    rule: Threshold
    fields: tuple[str, ...]
    #: why a field the kind has is not offered here ("" if every field is)
    fixed: str = ""

    @property
    def overrides(self) -> list[str]:
        """Different rules for one breakdown value, in words: ``role ASYE: at most 18``."""
        return [
            f"{name} {value}: {rule_summary(self.rule.for_breakdown({name: value}), self.unit)}"
            for name, values in self.rule.overrides.items()
            for value in values
        ]

    def summary(self, rule: Threshold | None = None) -> str:
        """The rule in a few words: ``target 85.0% by 31 March 2021``."""
        return rule_summary(rule or self.rule, self.unit)


@dataclass(frozen=True)
class Change:
    """One rule (or the board dates) before and after: shown as a preview, then audited."""

    key: str
    before: dict[str, Any]
    after: dict[str, Any]
    preview: str


def rule_summary(rule: Threshold, unit: str) -> str:
    """A rule in a few words, for a preview line (its kind's ``summary``)."""
    return kind_of(rule).summary(rule, unit)


def _load_yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, anchors, quotes and key order survive
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _anchored(value: object) -> str | None:
    """The anchor a value shares with another setting (``qsw_cap``), if any."""
    anchor = getattr(value, "anchor", None)
    return getattr(anchor, "value", None)


def rule_settings(path: Path | None = None) -> list[RuleSetting]:
    """Every status rule in the council's file, titled by the KPI it judges, in file order."""
    path = path or config_path()
    config = load_config(path)
    raw = _load_yaml().load(path.read_text(encoding="utf-8"))["thresholds"]
    kpis = {k.threshold_key: k for k in declarations().kpis.values()}
    out = []
    for key, rule in config.thresholds.items():
        kpi = kpis.get(key)
        present = [f for f in kind_of(rule).fields if f in raw[key]]
        tied = [f for f in present if _anchored(raw[key][f])]
        fixed = "; ".join(
            f"the {FIELD_LABELS[f].lower()} is the caseload setting `{_anchored(raw[key][f])}`, "
            "which changes counting and is not changed here"
            for f in tied
        )
        out.append(
            RuleSetting(
                key=key,
                title=kpi.short_title if kpi else key,
                unit=kpi.unit if kpi else "number",
                higher_better=kpi.higher_is_better if kpi else True,
                rule=rule,
                fields=tuple(f for f in present if f not in tied),
                fixed=fixed,
            )
        )
    return out


def parse_date(value: object) -> date:
    """A date from a date, ``2021-03-31``, ``31/03/2021`` or ``31 March 2021``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date: write it as 31 March 2021 or 31/03/2021")


def _checked_date(value: object, what: str) -> date:
    day = parse_date(value)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{what} must be between {uk_date(EARLIEST)} and {uk_date(LATEST)}")
    return day


def _checked_number(value: object, setting: RuleSetting, name: str) -> float | int:
    what = f"{setting.title}: {FIELD_LABELS[name].lower()}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a number")
    if name == "warn_within" and number <= 0:
        raise ValueError(f"{what} must be more than 0")
    if number < 0:
        raise ValueError(f"{what} cannot be below 0")
    if setting.unit == "percent" and number > 100:
        raise ValueError(f"{what} is a percentage, so at most 100")
    if setting.unit == "count" and not number.is_integer():
        raise ValueError(f"{what} counts whole items, so must be a whole number")
    return int(number) if number.is_integer() else number


def _checked_value(value: object, setting: RuleSetting, name: str) -> Any:
    if name == "date":
        return _checked_date(value, f"{setting.title}: target date")
    return _checked_number(value, setting, name)


def _same(a: object, b: object) -> bool:
    if isinstance(a, date) or isinstance(b, date):
        return a == b
    return a is not None and b is not None and float(a) == float(b)


def _rule_change(
    setting: RuleSetting, asked: Mapping[str, Any], problems: list[str]
) -> Change | None:
    before = setting.rule.as_dict()
    after = dict(before)
    for name, value in asked.items():
        if name not in setting.fields:
            label = FIELD_LABELS.get(name, name).lower()
            problems.append(f"{setting.title}: the {label} is not changed here")
            continue
        try:
            after[name] = _checked_value(value, setting, name)
        except ValueError as exc:
            problems.append(str(exc))
    changed = {n: after[n] for n in setting.fields if not _same(before[n], after[n])}
    if not changed:
        return None
    new_rule = Threshold(**{**after, "overrides": setting.rule.overrides})
    return Change(
        key=setting.key,
        before={n: before[n] for n in changed},
        after=changed,
        preview=f"{setting.title}: {setting.summary()} → {setting.summary(new_rule)}",
    )


def _board_change(
    current: Sequence[date], asked: Sequence[object], problems: list[str]
) -> Change | None:
    days = []
    for value in asked:
        try:
            days.append(_checked_date(value, "A board meeting date"))
        except ValueError as exc:
            problems.append(f"Board meetings: {exc}")
    days = sorted(set(days))
    if days == sorted(current):
        return None
    added = ", ".join(uk_date(d) for d in days if d not in current)
    removed = ", ".join(uk_date(d) for d in current if d not in days)
    words = [f"added {added}" if added else "", f"removed {removed}" if removed else ""]
    return Change(
        key=BOARD_DATES,
        before={BOARD_DATES: list(current)},
        after={BOARD_DATES: days},
        preview="Board meetings: " + "; ".join(w for w in words if w),
    )


def plan(
    rules: Mapping[str, Mapping[str, Any]],
    board_dates: Sequence[object] | None = None,
    path: Path | None = None,
) -> tuple[list[Change], list[str]]:
    """What saving would change, and every problem that stops it, against the file as it is.

    ``rules`` maps a rule's key to the fields asked for (``{"target": 90, "date": ...}``);
    values equal to the file's are not changes. ``board_dates`` (None: leave them) is the
    whole new list, in any order.
    """
    path = path or config_path()
    settings = {s.key: s for s in rule_settings(path)}
    problems: list[str] = []
    changes = []
    for key, asked in rules.items():
        if key not in settings:
            problems.append(f"There is no status rule called {key!r}")
            continue
        change = _rule_change(settings[key], asked, problems)
        if change:
            changes.append(change)
    if board_dates is not None:
        change = _board_change(load_config(path).board_meeting_dates, board_dates, problems)
        if change:
            changes.append(change)
    return changes, problems


def _apply(text: str, changes: Sequence[Change]) -> str:
    yaml = _load_yaml()
    doc = yaml.load(text)
    for change in changes:
        if change.key == BOARD_DATES:
            _replace_items(doc[BOARD_DATES], change.after[BOARD_DATES])
        else:
            doc["thresholds"][change.key].update(change.after)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _replace_items(seq: Any, values: Sequence[date]) -> None:
    """Replace a list's items, keeping the comment and blank line that follow its last item."""
    tail = seq.ca.items.get(len(seq) - 1) if len(seq) else None
    seq.ca.items.clear()
    seq[:] = list(values)
    if tail is not None and values:
        seq.ca.items[len(values) - 1] = tail


def _write_atomically(path: Path, text: str) -> None:
    """Write beside ``path``, check it reads as council settings, then move it into place."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777)
        load_config(temp)  # the file the app will read must read
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _audit_text(changes: Sequence[Change]) -> str:
    return "; ".join(c.preview for c in changes)


def save(
    db: Path,
    who: str,
    rules: Mapping[str, Mapping[str, Any]],
    board_dates: Sequence[object] | None = None,
    path: Path | None = None,
) -> list[Change]:
    """Check, write and audit a settings change; returns what changed (empty: nothing to do).

    Raises ``SettingsInvalid`` (nothing written) if any value is refused or the file changed
    since it was read, and ``etl.write.store.StoreBusy`` if the audit row cannot be written because
    a load holds the store.
    """
    path = path or config_path()
    original = path.read_bytes()
    changes, problems = plan(rules, board_dates, path)
    if problems:
        raise SettingsInvalid(problems)
    if not changes:
        return []
    text = _apply(original.decode("utf-8"), changes)
    what = f"{path.name}: {', '.join(c.key for c in changes)}"
    with audit.recording(db, who, "settings", what, _audit_text(changes)):
        if path.read_bytes() != original:  # another administrator saved meanwhile
            raise SettingsInvalid(["The settings file changed while you were editing: look again"])
        _write_atomically(path, text)
    return changes


NEIGHBOURS = "statistical_neighbours"
AVERAGE = "neighbour_average"


def _flow(entry: Mapping[str, str]) -> CommentedMap:
    """``{name: Calderdale, la_code: "381"}`` on one line, as the file lists neighbours."""
    out = CommentedMap(entry)
    out.fa.set_flow_style()
    return out


def neighbours_in_table(data: bytes, la_code: str) -> list[dict[str, str]]:
    """The council's ten neighbours, closest first, from a DfE statistical-neighbour table
    (either published layout), as ``save_comparison`` takes them. Raises
    ``etl.sources.neighbours.NeighbourFileError`` naming what is wrong with the file."""
    from etl.sources.neighbours import as_settings, read_table

    return as_settings(read_table(data).for_council(la_code))


def save_comparison(
    db: Path,
    who: str,
    *,
    neighbours: Sequence[Mapping[str, str]] | None = None,
    average: str | None = None,
    source: str = "",
    path: Path | None = None,
) -> list[str]:
    """Set the statistical neighbours (e.g. from the DfE's table) and/or how their figures
    are averaged; checked, written keeping the file's comments, and audited like any change.

    Returns one line per change (empty: nothing changed). Raises ``SettingsInvalid`` for an
    average that is not mean or median, and ``etl.write.store.StoreBusy`` as ``save`` does.
    """
    path = path or config_path()
    original = path.read_bytes()
    yaml = _load_yaml()
    doc = yaml.load(original.decode("utf-8"))
    lines = []
    if average is not None and average != doc.get(AVERAGE, "mean"):
        if average not in NEIGHBOUR_AVERAGES:
            raise SettingsInvalid([f"The neighbours' average must be mean or median: {average}"])
        lines.append(f"Neighbours' average: {doc.get(AVERAGE, 'mean')} → {average}")
        doc[AVERAGE] = average
    if neighbours is not None:
        before = [str(n.get("name")) for n in doc.get(NEIGHBOURS) or []]
        after = [str(n["name"]) for n in neighbours]
        if [dict(n) for n in doc.get(NEIGHBOURS) or []] != [dict(n) for n in neighbours]:
            origin = f" (from {source})" if source else ""
            lines.append(
                f"Statistical neighbours{origin}: {', '.join(before) or 'none'} → "
                f"{', '.join(after) or 'none'}"
            )
            if NEIGHBOURS in doc:
                _replace_items(doc[NEIGHBOURS], [_flow(n) for n in neighbours])
            else:
                doc[NEIGHBOURS] = [_flow(n) for n in neighbours]
    if not lines:
        return []
    out = io.StringIO()
    yaml.dump(doc, out)
    keys = ", ".join(k for k, on in ((NEIGHBOURS, neighbours), (AVERAGE, average)) if on)
    with audit.recording(db, who, "settings", f"{path.name}: {keys}", "; ".join(lines)):
        if path.read_bytes() != original:
            raise SettingsInvalid(["The settings file changed while you were editing: look again"])
        _write_atomically(path, out.getvalue())
    return lines
