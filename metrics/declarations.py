"""KPI declarations: ``metrics/kpis.yaml`` read into ``KPI``, ``Measure``, ``Area`` objects.

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

from etl.returns import all_returns
from metrics.config import CouncilConfig, load_config

KPI_FILE = Path(__file__).with_name("kpis.yaml")
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


def _render(text: object, params: dict) -> str:
    return " ".join(str(text).format(**params).split())


def _measure(raw: dict, params: dict, where: str) -> Measure:
    chosen = [a for a in AGGREGATES if a in raw]
    if len(chosen) != 1:
        raise ValueError(f"{where}: give exactly one of {', '.join(AGGREGATES)}")
    aggregate = chosen[0]
    return Measure(
        aggregate=aggregate,
        expression=_render(raw[aggregate], params),
        where=_render(raw["where"], params) if raw.get("where") else None,
        text=_render(raw.get("text", ""), params),
    )


def _check(kpi: KPI, areas: set[str]) -> None:
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
    if problems:
        raise ValueError(f"KPI {kpi.id}: " + "; ".join(problems))


@cache
def _declarations(config: CouncilConfig) -> Declarations:
    raw = yaml.safe_load(KPI_FILE.read_text(encoding="utf-8"))
    sql = config.sql_params()
    row_sources = {
        name: RowSource(
            return_name=name,
            joins=tuple(_render(j, sql) for j in body.get("joins", ())),
            columns={k: _render(v, sql) for k, v in (body.get("columns") or {}).items()},
        )
        for name, body in (raw.get("row_sources") or {}).items()
    }
    area_ids = [a["id"] for a in raw["areas"]]
    kpis: dict[str, KPI] = {}
    for body in raw["kpis"]:
        kid = body["id"]
        if kid in kpis:
            raise ValueError(f"KPI {kid} is declared twice")
        unit = body["unit"]
        kpi = KPI(
            id=kid,
            title=_render(body["title"], sql),
            short_title=_render(body.get("short_title", body["title"]), sql),
            description=_render(body["description"], sql),
            area=body["area"],
            return_name=body["return"],
            unit=unit,
            polarity=body["polarity"],
            numerator=_measure(body["numerator"], sql, f"{kid}.numerator"),
            denominator=_measure(body["denominator"], sql, f"{kid}.denominator"),
            value_rule=body.get("value", DEFAULT_VALUE_RULE.get(unit, "")),
            breakdowns=tuple(body.get("breakdowns", ())),
            headline=bool(body.get("headline", False)),
            threshold_key=body.get("threshold", kid),
            notes=_render(body.get("notes", ""), sql),
        )
        _check(kpi, set(area_ids))
        kpis[kid] = kpi
    areas = tuple(
        Area(
            id=a["id"],
            title=a["title"],
            kpis=tuple(
                sorted(
                    (k for k in kpis.values() if k.area == a["id"]),
                    key=lambda k: not k.headline,
                )
            ),
        )
        for a in raw["areas"]
    )
    return Declarations(areas=areas, kpis=kpis, row_sources=row_sources)


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
    """The row source of a return (a plain one if kpis.yaml declares no extra columns)."""
    return declarations().row_sources.get(return_name) or RowSource(return_name, (), {})
