"""Council settings, the access file and the EES mapping are read strictly: a misspelt key or
a value of the wrong type fails when the file is read (start-up) and in ``python -m metrics
check`` / ``python -m etl check``, naming the file, the key and what was expected. A council
setting used in KPI SQL is declared once (``metrics.config.SETTINGS``) and reaches the SQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import schemas
from etl.returns import DeclarationError
from etl.sources.ees import convert as ees
from metrics import config as config_module
from metrics import declarations as declarations_module
from metrics.config import DEFAULT_CONFIG, Setting, load_config
from metrics.declarations import KPI_DIR
from ui.auth import ACCESS_PATH, load_access

COUNCIL = DEFAULT_CONFIG.read_text(encoding="utf-8")
ACCESS = ACCESS_PATH.read_text(encoding="utf-8")
EES = ees.MAPPING_PATH.read_text(encoding="utf-8")


def _council(tmp_path: Path, old: str, new: str) -> Path:
    assert old in COUNCIL
    path = tmp_path / "council.yaml"
    path.write_text(COUNCIL.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("icpc_limit_working_days: 15", "icpc_limit_workng_days: 15"),
         ["council.yaml", "unknown key 'icpc_limit_workng_days'", "icpc_limit_working_days"]),
        (("retention_days: 90", "retention_days: ninety"),
         ["council.yaml", "'retention_days' should be int"]),
        (("retention_days: 90", "retention_days: true"),
         ["council.yaml", "'retention_days' should be a whole number"]),
        (("  threshold: 5 ", "  treshold: 5 "),
         ["council.yaml: suppression", "unknown key 'treshold'"]),
        (("{name: Eastholm, la_code_new:", "{name: Eastholm, la_cod:"),
         ["statistical_neighbours[0]", "unknown key 'la_cod'"]),
        (("  caseload_qsw_over_cap_pct:\n    kind:", "  caseload_qsw_over_cap_pct:\n    knd:"),
         ["thresholds.caseload_qsw_over_cap_pct", "unknown key 'knd'"]),
        (("ASYE: {limit: *asye_cap}", "ASYE: {limt: *asye_cap}"),
         ["overrides.role.ASYE", "unknown key 'limt'"]),
        (("board_meeting_dates:", "board_meeting_date:"),
         ["unknown key 'board_meeting_date'"]),
    ],
)  # fmt: skip
def test_a_misspelt_council_setting_fails_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, change, words
) -> None:
    path = _council(tmp_path, *change)
    with pytest.raises(DeclarationError) as caught:
        load_config(path)
    for word in words:
        assert word in str(caught.value)
    from metrics.__main__ import main

    monkeypatch.setenv("CSC_CONFIG", str(path))
    assert main(["check"]) == 1
    assert words[-1] in capsys.readouterr().err


def test_a_required_setting_left_out_is_named(tmp_path: Path) -> None:
    path = _council(tmp_path, "icpc_limit_working_days: 15", "")
    with pytest.raises(DeclarationError, match=r"council\.yaml: missing key 'icpc_limit_working"):
        load_config(path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("\ndefault_role: none", "\ndefault_rol: none"),
         ["access.yaml", "unknown key 'default_rol'"]),
        (("group_claims: [groups, roles]", "group_claims: groups"),
         ["access.yaml", "'group_claims' should be list"]),
    ],
)  # fmt: skip
def test_a_misspelt_access_key_fails_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, change, words
) -> None:
    old, new = change
    assert old in ACCESS
    path = tmp_path / "access.yaml"
    path.write_text(ACCESS.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DeclarationError) as caught:
        load_access(path)
    for word in words:
        assert word in str(caught.value)
    from etl.__main__ import main

    monkeypatch.setattr(schemas, "ACCESS_FILE", path)
    assert main(["check"]) == 1
    assert words[-1] in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    indicators:\n", "    indicaters:\n"),
         ["ees_indicators.yaml: tables[", "unknown key 'indicaters'"]),
        (("    period: financial\n", "    perod: financial\n"),
         ["unknown key 'perod'"]),
        (("        numerator: [", "        numerater: ["),
         ["indicators[icpc_within_15wd_pct]", "unknown key 'numerater'"]),
        (("\nsymbols:\n", "\nsymbol:\n"), ["ees_indicators.yaml", "unknown key 'symbol'"]),
    ],
)  # fmt: skip
def test_a_misspelt_ees_mapping_key_fails_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, change, words
) -> None:
    old, new = change
    assert old in EES
    path = tmp_path / "ees_indicators.yaml"
    path.write_text(EES.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DeclarationError) as caught:
        ees.load_mapping(path)
    for word in words:
        assert word in str(caught.value)
    from etl.__main__ import main

    monkeypatch.setattr(ees, "MAPPING_PATH", path)
    assert main(["check"]) == 1
    assert words[-1] in capsys.readouterr().err


def test_the_shipped_files_pass_etl_check(capsys) -> None:
    from etl.__main__ import main

    assert main(["check"]) == 0
    assert "every key known" in capsys.readouterr().out


def test_a_setting_declared_once_reaches_the_kpi_sql(tmp_path: Path) -> None:
    """The assessment limit in council.yaml is in the assessments KPI's SQL and title."""
    path = _council(
        tmp_path, "assessment_limit_working_days: 45", "assessment_limit_working_days: 30"
    )
    found = declarations_module._declarations(load_config(path))
    kpi = found.kpis["assessments_within_45wd_pct"]
    assert kpi.title == "Assessments completed within 30 working days"
    columns = found.row_sources["assessments"].columns
    assert columns["within_limit"] == "COALESCE(working_days_to_authorise <= 30, FALSE)"


def test_a_new_sql_setting_needs_only_its_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One line in ``SETTINGS`` and a value in the file: ``{name}`` works in KPI SQL."""
    monkeypatch.setitem(
        config_module.SETTINGS, "review_limit_working_days", Setting(int, 20, sql=True)
    )
    path = _council(
        tmp_path, "retention_days: 90", "retention_days: 90\nreview_limit_working_days: 12"
    )
    assert load_config(path).sql_params()["review_limit_working_days"] == 12
    default = _council(tmp_path, "retention_days: 90", "retention_days: 90")
    assert load_config(default).sql_params()["review_limit_working_days"] == 20


def _declarations_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_name: str, edit
) -> str:
    """The error the KPI declarations raise when ``file_name``'s text is changed by ``edit``
    (a copy of every declaration in ``tmp_path``; the real ones are untouched)."""
    folder = tmp_path / "kpis"
    folder.mkdir()
    for path in KPI_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(edit(text) if path.name == file_name else text, "utf-8")
    monkeypatch.setattr(declarations_module, "KPI_DIR", folder)
    declarations_module._declarations.cache_clear()
    try:
        with pytest.raises(ValueError) as caught:
            declarations_module.declarations()
    finally:
        declarations_module._declarations.cache_clear()
    return str(caught.value)


def test_an_unknown_setting_in_kpi_sql_fails_naming_the_kpi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def misspell(text: str) -> str:
        for old in (
            "working_days_to_authorise <= {assessment_limit_working_days}",
            "        those authorised within {assessment_limit_working_days}",
        ):
            assert old in text
            text = text.replace(old, old.replace("assessment_limit", "assesment_limit"))
        return text

    message = _declarations_error(tmp_path, monkeypatch, "front_door.yaml", misspell)
    assert "front_door.yaml" in message
    assert "{assesment_limit_working_days} is not a council setting" in message


def test_an_unknown_setting_in_a_kpi_measure_fails_naming_the_kpi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def misspell(text: str) -> str:
        old = "      count: in_time_and_seen\n"
        assert old in text
        return text.replace(old, old + '      where: "1 <= {icpc_limit_workng_days}"\n', 1)

    message = _declarations_error(tmp_path, monkeypatch, "visits.yaml", misspell)
    assert "visits.yaml: KPI visits_in_time_pct.numerator" in message
    assert "{icpc_limit_workng_days} is not a council setting" in message
