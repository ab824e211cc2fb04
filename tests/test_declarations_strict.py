"""Return declarations are read strictly: a misspelt key fails, naming the file and the key.

A typo that is silently accepted changes behaviour (``requried: false`` would leave a column
required; ``not_befor:`` would drop a date rule), so each must stop the loader at start-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.returns import COMMON_COLUMNS, SPEC_DIR, DeclarationError, _load, all_returns
from metrics import declarations as declarations_module
from metrics.declarations import KPI_DIR

ICPC = (SPEC_DIR / "icpc.yaml").read_text(encoding="utf-8")
COMMON = yaml.safe_load((SPEC_DIR / COMMON_COLUMNS).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    required: false\n    description: Date of the Initial",
          "    requried: false\n    description: Date of the Initial"),
         ["icpc.yaml", "column 'icpc_date'", "unknown key 'requried'"]),
        (("not_before: strategy_date", "not_befor: strategy_date"),
         ["icpc.yaml", "unknown key 'not_befor'"]),
        (("not_before: strategy_date", "not_before: strategy_day"),
         ["icpc.yaml", "'strategy_day', not a column"]),
        (("monthly: true", "monthly: yes please"), ["'monthly' should be bool"]),
        (("period: events", "period: monthly"), ["annex_a", "events or snapshot"]),
        (("unless: icpc_not_required", "unless: icpc_not_needed"),
         ["split.unless names 'icpc_not_needed', which is not a column"]),
        (("    - list: 5\n", "    - list: 5\n      signatur: [x]\n"),
         ["lists[0]", "unknown key 'signatur'"]),
    ],
)  # fmt: skip
def test_a_misspelt_declaration_fails_naming_file_and_key(tmp_path: Path, change, words) -> None:
    old, new = change
    assert old in ICPC
    path = tmp_path / "icpc.yaml"
    path.write_text(ICPC.replace(old, new), encoding="utf-8")
    with pytest.raises(DeclarationError) as caught:
        _load(path, COMMON)
    for word in words:
        assert word in str(caught.value)


def test_the_shipped_declarations_load() -> None:
    assert {"caseloads", "visits", "visits_asat", "icpc", "supervision"} <= set(all_returns())
    assert all_returns()["icpc"].column("icpc_not_required").optional


KPI_VISITS = (KPI_DIR / "visits.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    headline: true\n", "    headlien: true\n"),
         ["visits.yaml", "unknown key 'headlien'"]),
        (("    breakdowns: [plan_type]\n", "    breakdown: [plan_type]\n"),
         ["unknown key 'breakdown'"]),
        (("      count: in_time_and_seen\n", "      cuont: in_time_and_seen\n"),
         ["visits_in_time_pct.numerator", "unknown key 'cuont'"]),
        (("{visit_timescales}", "{visit_timescale}"),
         ["{visit_timescale} is not a council setting"]),
        (("    return: visits\n", "    return: visitz\n"), ["return 'visitz' is not declared"]),
        (("  order: 20\n", "  order: 10\n"), ["visits.yaml: area order 10 is", "caseloads.yaml"]),
    ],
)  # fmt: skip
def test_a_misspelt_kpi_declaration_fails_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change, words
) -> None:
    old, new = change
    assert old in KPI_VISITS
    folder = tmp_path / "kpis"
    folder.mkdir()
    for path in KPI_DIR.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "visits.yaml").write_text(KPI_VISITS.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr(declarations_module, "KPI_DIR", folder)
    declarations_module._declarations.cache_clear()
    try:
        with pytest.raises(ValueError) as caught:
            declarations_module.declarations()
    finally:
        declarations_module._declarations.cache_clear()
    for word in words:
        assert word in str(caught.value)


def test_metrics_check_says_the_declarations_are_sound(capsys) -> None:
    from metrics.__main__ import main

    assert main(["check"]) == 0
    assert "every key known" in capsys.readouterr().out
