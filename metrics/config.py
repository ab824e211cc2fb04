"""The council's settings (``config/council.yaml``, or ``$CSC_CONFIG``) as typed objects.

Thresholds, target dates and local standards differ between councils and change when a
board agrees a new target, so they live in one file an analyst can edit, not in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from etl.returns import DeclarationError, check_keys
from metrics.rules import KINDS, kind_of
from metrics.spc import SpcRules

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "council.yaml"
#: The status rule kinds, each a class in ``metrics.rules``.
THRESHOLD_KINDS = tuple(KINDS)
#: How a visit timescale is counted -> its words. Working days skip weekends and England and
#: Wales bank holidays (the ``calendar`` table); days are calendar days.
TIMESCALE_UNITS = {"working_days": "working days", "days": "days"}
NEIGHBOUR_AVERAGES = ("mean", "median")
REQUIRED = object()


@dataclass(frozen=True)
class Setting:
    """One top-level key of council.yaml: the type(s) it takes, its default (``REQUIRED``:
    it must be given) and whether KPI SQL and wording may use it as ``{name}``."""

    types: type | tuple[type, ...]
    default: Any = None
    sql: bool = False


#: Every key council.yaml may have, checked strictly at start-up and by ``python -m metrics
#: check``: an unknown (often misspelt) key or a value of the wrong type is refused, naming the
#: file and the key. A whole-number setting with ``sql=True`` reaches KPI SQL and text as
#: ``{name}`` with no other code: declare it here, give it a value in council.yaml, use it.
SETTINGS: dict[str, Setting] = {
    "council_name": Setting(str, REQUIRED),
    "la_code_new": Setting((str, int), ""),
    "la_code": Setting((str, int)),
    "la_code_old": Setting((str, int)),  # the name older files use for la_code
    "region": Setting(str, ""),
    "region_code": Setting(str, ""),
    "neighbour_average": Setting(str, "mean"),
    "statistical_neighbours": Setting(list, []),
    "caseload_caps": Setting(dict, REQUIRED),
    "icpc_limit_working_days": Setting(int, REQUIRED, sql=True),
    "assessment_limit_working_days": Setting(int, 45, sql=True),
    "pathway_plan_review_months": Setting(int, 6, sql=True),
    "edt_handover_deadline_hour": Setting(int, 10, sql=True),
    "supervision_cycle_days": Setting(dict, REQUIRED),
    "visit_timescales": Setting(dict, REQUIRED),
    "board_meeting_dates": Setting(list, []),
    "suppression": Setting(dict, {}),
    "retention_days": Setting(int, 90),
    "thresholds": Setting(dict, {}),
    "spc": Setting(dict, {}),
    "ssd_job_titles": Setting(dict, {}),
}
_SUPPRESSION_KEYS = {"mode", "threshold", "enabled_for_exports"}
_SUPPRESSION = {"mode": str, "threshold": int, "enabled_for_exports": bool}
_THRESHOLD_KEYS = {"kind", "limit", "target", "date", "warn_within", "overrides"}
_NUMBER = (int, float)
_THRESHOLD_TYPES = {"kind": str, "limit": _NUMBER, "target": _NUMBER, "date": date}
_THRESHOLD_TYPES |= {"warn_within": _NUMBER, "overrides": dict}
_NEIGHBOUR_KEYS = {"name", "la_code", "la_code_new"}
#: ``spc:`` in council.yaml: the special-cause rule lengths, the fewest months a baseline
#: needs, and the dates baselines start again from (``metrics.spc``).
_SPC = {
    "shift_months": int,
    "trend_months": int,
    "two_of_three": bool,
    "minimum_months": int,
    "rebase_dates": list,
    "kpi_rebase_dates": dict,
}


@dataclass(frozen=True)
class Threshold:
    """One status rule: its kind and parameters (see the comments in council.yaml)."""

    kind: str
    limit: float | None = None
    target: float | None = None
    date: date | None = None
    warn_within: float | None = None
    #: breakdown -> value -> parameters that replace these for that breakdown value
    overrides: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def for_breakdown(self, values: dict[str, str]) -> Threshold:
        """The rule for one row: ``values`` maps breakdown names to the row's values."""
        rule = self
        for name, value in values.items():
            changes = self.overrides.get(name, {}).get(value)
            if changes:
                rule = _threshold({**rule.as_dict(), **changes})
        return rule

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "limit": self.limit,
            "target": self.target,
            "date": self.date,
            "warn_within": self.warn_within,
        }

    @property
    def line(self) -> float | None:
        """The value a chart draws as the threshold line, if the rule has one."""
        return kind_of(self).line(self)

    @property
    def due(self) -> date | None:
        """The date the rule's level must be reached by, if it has one."""
        return kind_of(self).due(self)


@dataclass(frozen=True)
class VisitTimescale:
    """How recent a child's last statutory visit must be on the list date: ``amount`` of
    ``unit`` (a key of ``TIMESCALE_UNITS``). Local policy, so the council's to set."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount} {TIMESCALE_UNITS[self.unit]}"


@dataclass(frozen=True)
class Suppression:
    """Small-number suppression for board packs and exports, in one of ``SUPPRESSION_MODES``:
    ``internal`` (the default: a board inside the council sees its teams' figures) or
    ``for_publication`` (counts under ``threshold`` and percentages of so few are withheld,
    and the pack says so)."""

    enabled_for_exports: bool = False
    threshold: int = 5

    @property
    def mode(self) -> str:
        return "for_publication" if self.enabled_for_exports else "internal"


@dataclass(frozen=True, eq=False)
class CouncilConfig:
    """Everything in council.yaml (compared by identity: one object per version of the file)."""

    council_name: str
    la_code_new: str
    #: The DfE's three-digit LA number (``la_code``; older files call it ``la_code_old``).
    la_code: str
    region: str
    statistical_neighbours: list[dict[str, Any]]
    caseload_caps: dict[str, float]
    icpc_limit_working_days: int
    supervision_cycle_days: dict[str, int]
    visit_timescales: dict[str, VisitTimescale]
    board_meeting_dates: list[date]
    suppression: Suppression
    thresholds: dict[str, Threshold]
    path: Path
    region_code: str = ""  # ONS code of the region benchmarks compare with
    #: How statistical neighbours' figures are averaged: ``mean`` (LAIT) or ``median`` (the
    #: DfE's CSC National Framework dashboard).
    neighbour_average: str = "mean"
    #: Days that refused and drop-folder files are kept beside the store (``etl.write.retention``).
    retention_days: int = 90
    #: An assessment is on time if authorised within this many working days of its start
    #: (Working Together to Safeguard Children: at most 45).
    assessment_limit_working_days: int = 45
    #: A care leaver's pathway plan is reviewed in time if the latest review was at most this
    #: many months before the list date (the Care Leavers (England) Regulations 2010: six).
    pathway_plan_review_months: int = 6
    #: An out-of-hours (EDT) contact is handed over in time if with day services by this hour
    #: (24-hour clock) on the next working day. Local policy; 10:00 is common.
    edt_handover_deadline_hour: int = 10
    #: every whole-number setting ``SETTINGS`` marks ``sql=True``, by name
    sql_numbers: dict[str, int] = field(default_factory=dict)
    #: Making Data Count's rules as the council sets them (``spc:``; defaults otherwise)
    spc: SpcRules = field(default_factory=SpcRules)
    #: An SSD job title (folded to upper case) -> the caseloads return's role (QSW, ASYE...):
    #: the SSD gives job titles as the council's HR system writes them.
    ssd_job_titles: dict[str, str] = field(default_factory=dict)

    def threshold(self, key: str) -> Threshold | None:
        return self.thresholds.get(key)

    def sql_params(self) -> dict[str, Any]:
        """Settings that KPI SQL templates may use, e.g. ``{caseload_caps[QSW]}``: every
        ``sql=True`` setting of ``SETTINGS`` by its name, and the lookups below.

        A mapping written with a column, ``{supervision_cycle_days:plan_type}``, becomes a SQL
        ``CASE`` on that column (NULL for a code the mapping does not list). Visit timescales
        come as two such lookups, one per unit, so a plan type counted in working days is
        NULL in the calendar-day lookup and the other way round; ``{visit_timescales}`` is
        their wording (``CP 10 working days, ...``), ``{visit_timescales[CP]}`` one of them.
        """
        return {
            **self.sql_numbers,
            "caseload_caps": SqlLookup(self.caseload_caps),
            "edt_handover_deadline": f"{self.edt_handover_deadline_hour:02d}:00",
            "supervision_cycle_days": SqlLookup(self.supervision_cycle_days),
            **{
                f"visit_timescale_{unit}": SqlLookup(
                    {p: t.amount for p, t in self.visit_timescales.items() if t.unit == unit}
                )
                for unit in TIMESCALE_UNITS
            },
            "visit_timescales": Wording(self.visit_timescales),
        }


class SqlLookup(dict):
    """A code -> number mapping that formats as a SQL ``CASE`` on the column in its spec."""

    def __format__(self, column: str) -> str:
        if not column:
            return ", ".join(f"{k} {_number(v)}" for k, v in self.items())
        if not column.isidentifier():
            raise ValueError(f"not a column name: {column!r}")
        if not self:  # no code listed (e.g. no timescale in calendar days): NULL for every row
            return "CAST(NULL AS INTEGER)"
        whens = " ".join(f"WHEN '{k}' THEN {_number(v)}" for k, v in self.items())
        return f"(CASE {column} {whens} END)"


class Wording(dict):
    """A code -> setting mapping that formats as ``CP 10 working days, CIN ...`` in KPI text;
    ``{name[CP]}`` gives one setting."""

    def __format__(self, spec: str) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.items())


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _threshold(raw: dict[str, Any], where: str = "threshold") -> Threshold:
    check_keys(where, raw, _THRESHOLD_KEYS, types=_THRESHOLD_TYPES)
    for name, values in (raw.get("overrides") or {}).items():
        check_keys(f"{where}.overrides", {name: values}, {name}, types={name: dict})
        for value, changes in values.items():
            allowed = _THRESHOLD_KEYS - {"kind", "overrides"}
            check_keys(
                f"{where}.overrides.{name}.{value}", changes, allowed, types=_THRESHOLD_TYPES
            )
    kind = raw.get("kind")
    if kind not in THRESHOLD_KINDS:
        raise ValueError(f"threshold kind {kind!r} is not one of {', '.join(THRESHOLD_KINDS)}")
    rule = Threshold(
        kind=kind,
        limit=raw.get("limit"),
        target=raw.get("target"),
        date=raw.get("date"),
        warn_within=raw.get("warn_within"),
        overrides=raw.get("overrides") or {},
    )
    kind_of(kind).check(rule)
    return rule


def _retention_days(value: Any) -> int:
    """A whole number of days, at least one: kept files hold children's data, so a typo must
    not silently keep them for ever or delete them at once."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"retention_days must be a whole number of days, 1 or more: {value!r}")
    return value


def _visit_timescales(raw: Any) -> dict[str, VisitTimescale]:
    """``{CP: {working_days: 10}, CLA: {days: 42}, ...}`` read strictly: one unit per plan type
    and a whole number of at least 1, so a typo cannot quietly count every child late."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError(
            "visit_timescales must list plan types, e.g. CP: {working_days: 10} or CLA: {days: 42}"
        )
    out = {}
    for plan, body in raw.items():
        units = list(body) if isinstance(body, dict) else []
        if len(units) != 1 or units[0] not in TIMESCALE_UNITS:
            raise ValueError(
                f"visit_timescales.{plan}: give exactly one of {', '.join(TIMESCALE_UNITS)}"
            )
        amount = body[units[0]]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise ValueError(f"visit_timescales.{plan}: {amount!r} is not a whole number above 0")
        out[str(plan)] = VisitTimescale(amount, units[0])
    return out


def _hour(name: str, value: Any) -> int:
    """A whole hour of the 24-hour clock, 0 to 23, strictly: ``10:00`` unquoted is read by
    YAML as the number 600, and a deadline must not quietly move."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise ValueError(f"{name} must be a whole hour from 0 to 23 (e.g. 10): {value!r}")
    return value


def _neighbour_average(value: Any) -> str:
    """``mean`` or ``median``, strictly: a typo must not quietly change the figure shown."""
    if value not in NEIGHBOUR_AVERAGES:
        raise ValueError(f"neighbour_average must be mean or median: {value!r}")
    return value


SUPPRESSION_MODES = ("internal", "for_publication")


def _suppression_mode(raw: dict[str, Any]) -> str:
    """``mode`` (``internal`` or ``for_publication``), strictly; a file from before modes
    that says ``enabled_for_exports: true`` means for publication."""
    mode = raw.get("mode")
    if mode is None:
        return "for_publication" if raw.get("enabled_for_exports") else "internal"
    if mode not in SUPPRESSION_MODES:
        raise ValueError(f"suppression mode must be internal or for_publication: {mode!r}")
    return mode


def _dates(where: str, values: Any) -> tuple[date, ...]:
    if not isinstance(values, list) or not all(
        isinstance(v, date) and not isinstance(v, datetime) for v in values
    ):
        raise ValueError(f"{where} must be a list of dates (YYYY-MM-DD): {values!r}")
    return tuple(values)


def _spc(name: str, raw: dict[str, Any]) -> SpcRules:
    """``spc:`` read strictly: lengths are whole numbers a pattern can have (a shift or
    trend of at least 3 months, a baseline of at least 2), dates are dates."""
    check_keys(f"{name}: spc", raw, set(_SPC), types=_SPC)
    for key, least in (("shift_months", 3), ("trend_months", 3), ("minimum_months", 2)):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or value < least):
            raise ValueError(f"{name}: spc.{key} must be a whole number of at least {least}")
    defaults = SpcRules()
    by_kpi = {
        str(k): _dates(f"{name}: spc.kpi_rebase_dates.{k}", v)
        for k, v in (raw.get("kpi_rebase_dates") or {}).items()
    }
    return SpcRules(
        shift=raw.get("shift_months", defaults.shift),
        trend=raw.get("trend_months", defaults.trend),
        two_of_three=raw.get("two_of_three", defaults.two_of_three),
        minimum=raw.get("minimum_months", defaults.minimum),
        rebase_dates=_dates(f"{name}: spc.rebase_dates", raw.get("rebase_dates") or []),
        kpi_rebase_dates=tuple(sorted(by_kpi.items())),
    )


def config_path() -> Path:
    """``$CSC_CONFIG`` if set, else ``config/council.yaml`` in the repository."""
    return Path(os.environ.get("CSC_CONFIG") or DEFAULT_CONFIG).expanduser().resolve()


def _checked(path: Path, raw: object) -> dict[str, Any]:
    """council.yaml's keys against ``SETTINGS``, strictly, with the defaults filled in."""
    name = path.name
    types = {k: s.types for k, s in SETTINGS.items()}
    required = {k for k, s in SETTINGS.items() if s.default is REQUIRED}
    raw = check_keys(name, raw if raw is not None else {}, set(SETTINGS), required, types)
    for key, value in raw.items():
        if isinstance(value, bool) and SETTINGS[key].types in (int, (str, int)):
            raise DeclarationError(f"{name}: {key!r} should be a whole number, found {value!r}")
    check_keys(
        f"{name}: suppression", raw.get("suppression") or {}, _SUPPRESSION_KEYS, types=_SUPPRESSION
    )
    for i, entry in enumerate(raw.get("statistical_neighbours") or []):
        check_keys(f"{name}: statistical_neighbours[{i}]", entry, _NEIGHBOUR_KEYS, {"name"})
    for key in ("caseload_caps", "supervision_cycle_days"):
        for code, number in raw[key].items():
            if isinstance(number, bool) or not isinstance(number, _NUMBER):
                raise DeclarationError(f"{name}: {key}.{code} should be a number, found {number!r}")
    defaults = {k: s.default for k, s in SETTINGS.items() if s.default not in (REQUIRED, None)}
    return {**defaults, **{k: v for k, v in raw.items() if v is not None}}


@cache
def _load(path: Path, mtime_ns: int) -> CouncilConfig:
    raw = _checked(path, yaml.safe_load(path.read_text(encoding="utf-8")))
    suppression = raw.get("suppression") or {}
    return CouncilConfig(
        council_name=raw["council_name"],
        la_code_new=str(raw.get("la_code_new", "")),
        la_code=str(raw.get("la_code", raw.get("la_code_old", ""))),
        region=raw.get("region", ""),
        statistical_neighbours=list(raw.get("statistical_neighbours") or []),
        caseload_caps=dict(raw["caseload_caps"]),
        icpc_limit_working_days=int(raw["icpc_limit_working_days"]),
        assessment_limit_working_days=int(raw.get("assessment_limit_working_days", 45)),
        pathway_plan_review_months=int(raw.get("pathway_plan_review_months", 6)),
        edt_handover_deadline_hour=_hour(
            "edt_handover_deadline_hour", raw.get("edt_handover_deadline_hour", 10)
        ),
        supervision_cycle_days=dict(raw["supervision_cycle_days"]),
        visit_timescales=_visit_timescales(raw.get("visit_timescales")),
        board_meeting_dates=sorted(raw.get("board_meeting_dates") or []),
        suppression=Suppression(
            enabled_for_exports=_suppression_mode(suppression) == "for_publication",
            threshold=int(suppression.get("threshold", 5)),
        ),
        thresholds={
            k: _threshold(v, f"{path.name}: thresholds.{k}")
            for k, v in (raw.get("thresholds") or {}).items()
        },
        sql_numbers={k: int(raw[k]) for k, s in SETTINGS.items() if s.sql},
        path=path,
        region_code=str(raw.get("region_code", "")),
        retention_days=_retention_days(raw.get("retention_days", 90)),
        neighbour_average=_neighbour_average(raw.get("neighbour_average", "mean")),
        spc=_spc(path.name, raw.get("spc") or {}),
        ssd_job_titles={
            " ".join(str(k).upper().split()): str(v).upper()
            for k, v in (raw.get("ssd_job_titles") or {}).items()
        },
    )


def load_config(path: Path | None = None) -> CouncilConfig:
    """The council's settings, re-read whenever the file changes on disk."""
    chosen = Path(path).resolve() if path else config_path()
    return _load(chosen, chosen.stat().st_mtime_ns)
