"""KPI declarations: ``metrics/kpis/*.yaml`` read into ``KPI``, ``Measure``, ``Area`` objects.

A KPI is declared once, in YAML, so that the SQL, the status, the page, the "how this is
calculated" panel and the tests all follow the same text. Council settings (caps, the ICPC
limit, supervision cycles, visit timescales) are written into the SQL and the wording from
``config/council.yaml`` when the declarations are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from etl.returns import all_returns, check_keys
from metrics.config import CouncilConfig, load_config

KPI_DIR = Path(__file__).with_name("kpis")
#: Splits a KPI may declare beside team. Each is a column of kpi_values ('ALL' when not split).
DIMENSIONS = ("plan_type", "role")
UNITS = ("percent", "number", "count")
POLARITIES = ("higher_better", "lower_better")
VALUE_RULES = ("percent", "ratio", "numerator")
DEFAULT_VALUE_RULE = {"percent": "percent", "number": "ratio", "count": "numerator"}
AGGREGATES = ("count", "sum", "max")


@dataclass(frozen=True)
class Measure:
    """A numerator or denominator: an aggregate over a return's rows, and its plain words."""

    aggregate: str  # count | sum | max
    expression: str  # the condition for count; the summed or maximised expression otherwise
    where: str | None
    text: str

    @property
    def condition(self) -> str:
        """The SQL condition that decides whether a row takes part in this measure."""
        if self.aggregate == "count":
            return self.expression
        return self.where or "TRUE"


@dataclass(frozen=True)
class KPI:
    """One declared KPI, with council settings already written into its SQL and wording."""

    id: str
    title: str
    short_title: str
    description: str
    area: str
    return_name: str
    unit: str
    polarity: str
    numerator: Measure
    denominator: Measure
    value_rule: str
    breakdowns: tuple[str, ...]
    headline: bool
    threshold_key: str
    notes: str

    @property
    def higher_is_better(self) -> bool:
        return self.polarity == "higher_better"


@dataclass(frozen=True)
class Area:
    """An area page: its KPIs in order, headline KPIs first."""

    id: str
    title: str
    kpis: tuple[KPI, ...]
    icon: str = ":material/monitoring:"  # the sidebar's Material icon


@dataclass(frozen=True)
class RowSource:
    """How a return's rows are widened with the per-row columns KPIs count on."""

    return_name: str
    joins: tuple[str, ...]
    columns: dict[str, str]


@dataclass(frozen=True)
class Declarations:
    areas: tuple[Area, ...]
    kpis: dict[str, KPI]
    row_sources: dict[str, RowSource]


def _render(text: object, params: dict, where: str = "") -> str:
    """Text or SQL with ``{setting}`` written in; an unknown setting is named, not a KeyError."""
    try:
        return " ".join(str(text).format(**params).split())
    except KeyError as missing:
        known = ", ".join(sorted(params))
        raise ValueError(
            f"{where}: {{{missing.args[0]}}} is not a council setting; known: {known}"
        ) from None


def _measure(raw: dict, params: dict, where: str) -> Measure:
    chosen = [a for a in AGGREGATES if a in raw]
    if len(chosen) != 1:
        raise ValueError(f"{where}: give exactly one of {', '.join(AGGREGATES)}")
    aggregate = chosen[0]
    return Measure(
        aggregate=aggregate,
        expression=_render(raw[aggregate], params, where),
        where=_render(raw["where"], params, where) if raw.get("where") else None,
        text=_render(raw.get("text", ""), params, where),
    )


def _check(kpi: KPI, areas: set[str], config: CouncilConfig) -> None:
    spec = all_returns().get(kpi.return_name)
    problems = []
    if spec is None:
        problems.append(f"return {kpi.return_name!r} is not declared in etl/spec")
    if kpi.area not in areas:
        problems.append(f"area {kpi.area!r} is not declared")
    if kpi.unit not in UNITS:
        problems.append(f"unit {kpi.unit!r} is not one of {UNITS}")
    if kpi.polarity not in POLARITIES:
        problems.append(f"polarity {kpi.polarity!r} is not one of {POLARITIES}")
    if kpi.value_rule not in VALUE_RULES:
        problems.append(f"value {kpi.value_rule!r} is not one of {VALUE_RULES}")
    for name in kpi.breakdowns:
        if name not in DIMENSIONS:
            problems.append(f"breakdown {name!r} is not one of {DIMENSIONS}")
        elif spec is not None and name not in spec.column_names:
            problems.append(f"breakdown {name!r} is not a column of the {spec.name} return")
    if kpi.threshold_key not in config.thresholds:
        problems.append(
            f"status rule {kpi.threshold_key!r} is not under thresholds: in {config.path.name}"
        )
    if problems:
        raise ValueError(f"KPI {kpi.id}: " + "; ".join(problems))


_FILE_KEYS = {"area", "row_sources", "kpis"}
_AREA_KEYS = {"id", "title", "icon", "order"}
_SOURCE_KEYS = {"joins", "columns"}
_KPI_KEYS = {
    "id", "title", "short_title", "description", "return", "unit", "polarity", "numerator",
    "denominator", "value", "breakdowns", "headline", "threshold", "notes",
}  # fmt: skip
_KPI_REQUIRED = {
    "id", "title", "description", "return", "unit", "polarity", "numerator", "denominator",
}  # fmt: skip
_MEASURE_KEYS = {*AGGREGATES, "where", "text"}


def _read_files() -> list[tuple[str, dict]]:
    """Every area file, checked key by key, in the areas' declared order."""
    files = []
    for path in sorted(KPI_DIR.glob("*.yaml")):
        where = f"metrics/kpis/{path.name}"
        raw = check_keys(
            where, yaml.safe_load(path.read_text(encoding="utf-8")), _FILE_KEYS, {"area"}
        )
        check_keys(f"{where}: area", raw["area"], _AREA_KEYS, {"id", "title", "order"})
        for name, body in (raw.get("row_sources") or {}).items():
            check_keys(f"{where}: row_sources.{name}", body, _SOURCE_KEYS)
        for i, body in enumerate(raw.get("kpis") or ()):
            kid = body.get("id", f"kpis[{i}]") if isinstance(body, dict) else f"kpis[{i}]"
            required = {"id", "title", "description", "return", "unit", "polarity"}
            check_keys(
                f"{where}: KPI {kid}", body, _KPI_KEYS, required | {"numerator", "denominator"}
            )
            for part in ("numerator", "denominator"):
                check_keys(f"{where}: KPI {kid}.{part}", body[part], _MEASURE_KEYS)
        files.append((where, raw))
    orders: dict[object, str] = {}
    for where, raw in files:
        other = orders.setdefault(raw["area"]["order"], where)
        if other != where:  # two pages in one place: which comes first would be chance
            raise ValueError(f"{where}: area order {raw['area']['order']} is {other}'s too")
    return sorted(files, key=lambda f: f[1]["area"]["order"])


@cache
def _declarations(config: CouncilConfig) -> Declarations:
    files = _read_files()
    sql = config.sql_params()
    row_sources = {}
    for where, raw in files:
        for name, body in (raw.get("row_sources") or {}).items():
            if name in row_sources:
                raise ValueError(f"{where}: row source {name!r} is declared in another file too")
            row_sources[name] = RowSource(
                return_name=name,
                joins=tuple(_render(j, sql, where) for j in body.get("joins", ())),
                columns={k: _render(v, sql, where) for k, v in (body.get("columns") or {}).items()},
            )
    area_ids = [raw["area"]["id"] for _, raw in files]
    kpis: dict[str, KPI] = {}
    for where, raw in files:
        for body in raw.get("kpis") or ():
            kpi = _kpi(body, raw["area"]["id"], sql, where)
            if kpi.id in kpis:
                raise ValueError(f"{where}: KPI {kpi.id} is declared twice")
            _check(kpi, set(area_ids), config)
            kpis[kpi.id] = kpi
    unknown = sorted(set(dict(config.spc.kpi_rebase_dates)) - set(kpis))
    if unknown:  # a misspelt KPI id must not quietly leave a measure unrebased
        raise ValueError(
            f"{config.path.name}: spc.kpi_rebase_dates names no declared KPI: {', '.join(unknown)}"
        )
    areas = tuple(
        Area(
            id=raw["area"]["id"],
            title=raw["area"]["title"],
            icon=raw["area"].get("icon", ":material/monitoring:"),
            kpis=tuple(
                sorted(
                    (k for k in kpis.values() if k.area == raw["area"]["id"]),
                    key=lambda k: not k.headline,
                )
            ),
        )
        for _, raw in files
    )
    return Declarations(areas=areas, kpis=kpis, row_sources=row_sources)


def _kpi(body: dict, area: str, sql: dict, where: str) -> KPI:
    """One KPI entry, with the council's settings written into its SQL and wording."""
    kid = body["id"]
    unit = body["unit"]
    here = f"{where}: KPI {kid}"
    return KPI(
        id=kid,
        title=_render(body["title"], sql, here),
        short_title=_render(body.get("short_title", body["title"]), sql, here),
        description=_render(body["description"], sql, here),
        area=area,
        return_name=body["return"],
        unit=unit,
        polarity=body["polarity"],
        numerator=_measure(body["numerator"], sql, f"{here}.numerator"),
        denominator=_measure(body["denominator"], sql, f"{here}.denominator"),
        value_rule=body.get("value", DEFAULT_VALUE_RULE.get(unit, "")),
        breakdowns=tuple(body.get("breakdowns", ())),
        headline=bool(body.get("headline", False)),
        threshold_key=body.get("threshold", kid),
        notes=_render(body.get("notes", ""), sql, here),
    )


def declarations() -> Declarations:
    """The KPI declarations as they read with the council's current settings."""
    return _declarations(load_config())


def get_kpi(kpi_id: str) -> KPI:
    """One KPI; a clear error naming the known ids for an unknown one."""
    try:
        return declarations().kpis[kpi_id]
    except KeyError:
        known = ", ".join(declarations().kpis)
        raise KeyError(f"unknown KPI {kpi_id!r}; known KPIs: {known}") from None


def row_source(return_name: str) -> RowSource:
    """The row source of a return (a plain one if metrics/kpis/ declares no extra columns)."""
    return declarations().row_sources.get(return_name) or RowSource(return_name, (), {})
