"""Strict shapes of the two configuration files the etl and sign-in read besides the return
declarations: ``config/ees_indicators.yaml`` (EES tables -> KPIs) and ``config/access.yaml``
(who may do what). An unknown (often misspelt) key or a value of the wrong type is refused
when the file is read (at start-up) and by ``python -m etl check``, naming the file, the key
and what was expected: the same check (``etl.returns.check_keys``) as every other declaration.
Council settings are checked the same way in ``metrics.config``.
"""

from __future__ import annotations

from pathlib import Path

from etl.returns import check_keys

#: The access file (``ui.auth`` reads it at sign-in; ``python -m etl check`` checks it here).
ACCESS_FILE = Path(__file__).resolve().parent.parent / "config" / "access.yaml"

_TEXT_OR_LIST = (str, list)
_EES_TOP = {"symbols": dict, "tables": list}
_EES_TABLE = {
    "table": str,
    "publication": str,
    "columns": list,
    "year_end": str,
    "period": str,
    "rows": dict,
    "unused": str,
    "indicators": list,
}
_EES_INDICATOR = {
    "kpi": str,
    "unit": str,
    "column": _TEXT_OR_LIST,
    "numerator": list,
    "denominator": list,
    "total": _TEXT_OR_LIST,
    "where": dict,
}
_ACCESS = {
    "provider": str,
    "group_claims": list,
    "default_role": str,
    "users": dict,
    "groups": dict,
}


def check_ees(raw: object, name: str) -> dict:
    """The EES mapping ``raw`` (read from the file ``name``), strictly."""
    raw = check_keys(name, {} if raw is None else raw, set(_EES_TOP), types=_EES_TOP)
    for i, table in enumerate(raw.get("tables") or []):
        label = table.get("table", i) if isinstance(table, dict) else i
        where = f"{name}: tables[{label}]"
        check_keys(where, table, set(_EES_TABLE), {"table", "columns"}, _EES_TABLE)
        for j, indicator in enumerate(table.get("indicators") or []):
            kpi = indicator.get("kpi", j) if isinstance(indicator, dict) else j
            check_keys(
                f"{where}.indicators[{kpi}]",
                indicator,
                set(_EES_INDICATOR),
                {"kpi", "unit"},
                _EES_INDICATOR,
            )
    return raw


def check_access(raw: object, name: str) -> dict:
    """The access file ``raw`` (read from the file ``name``), strictly."""
    return check_keys(name, {} if raw is None else raw, set(_ACCESS), types=_ACCESS)
