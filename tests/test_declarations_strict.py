"""Return declarations are read strictly: a misspelt key fails, naming the file and the key.

A typo that is silently accepted changes behaviour (``requried: false`` would leave a column
required; ``not_befor:`` would drop a date rule), so each must stop the loader at start-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.returns import COMMON_COLUMNS, SPEC_DIR, DeclarationError, _load, all_returns

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
