"""The administrators' pages: Council settings and the Audit log, driven through the real app.

Sign-in and users come from tests/test_auth.py. Every test here works on its own copy of
council.yaml (``CSC_CONFIG``) and its own copy of the demo store, because saving a setting
rewrites the file and writes an audit row.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.write import audit, store
from metrics import api, settings_store
from metrics.config import DEFAULT_CONFIG, load_config
from tests.conftest import REAL_FORMATS
from tests.test_auth import ANALYST, VIEWER, _app, _audit, _errors
from ui import auth
from ui.navigation import PAGES, visible

ADMIN = {"is_logged_in": True, "email": "performance.lead@northmoor.example"}  # access.yaml
ADMIN_PAGES = ("app_pages/settings.py", "app_pages/audit_log.py")
REFUSED = "This page is for administrators only"
#: A comment in the shipped council.yaml that a save must keep.
ROOT = Path(__file__).resolve().parent.parent
KNOWN_COMMENT = "# Small numbers in board packs and exports. Two modes:"


@pytest.fixture
def admin_mode(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sign-in on, a private copy of the demo store and of council.yaml; returns the store."""
    db = tmp_path / "store" / "csc.duckdb"
    db.parent.mkdir()
    with store.open_writer(demo_db, publish=False):  # copy a quiescent master
        db.write_bytes(demo_db.read_bytes())
    config = tmp_path / "config" / "council.yaml"
    config.parent.mkdir()
    config.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CSC_DB", str(db))
    monkeypatch.setenv("CSC_CONFIG", str(config))
    monkeypatch.setenv(auth.AUTH_ENV, "oidc")
    return db


def _settings_page() -> AppTest:
    at = _app(ADMIN)
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception
    return at


def _number(at: AppTest, rule: str, field: str):
    return at.number_input(key=f"settings:{rule}:{field}")


# --- who sees them ---------------------------------------------------------------------------


def test_admin_pages_are_listed_for_administrators_only() -> None:
    titles = {"Council settings", "Audit log"}
    assert titles <= {e.title for e in visible(PAGES, "admin")}
    for role in ("viewer", "analyst"):
        assert not titles & {e.title for e in visible(PAGES, role)}


@pytest.mark.parametrize("user", [VIEWER, ANALYST], ids=["viewer", "analyst"])
def test_viewers_and_analysts_cannot_reach_admin_pages_hidden_or_by_address(
    admin_mode: Path, user: dict
) -> None:
    at = _app(user)
    assert not at.exception
    for page in ADMIN_PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not registered for this role
        direct = _app(user, page)  # the page's own script, as if reached by its address
        assert not direct.exception
        assert REFUSED in _errors(direct)
        assert not direct.title and not direct.number_input and not direct.dataframe


def test_an_administrator_opens_both_pages(admin_mode: Path) -> None:
    at = _settings_page()
    assert [t.value for t in at.title] == ["Council settings"]
    at.switch_page("app_pages/audit_log.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Audit log"]


# --- council settings ------------------------------------------------------------------------


def test_every_rule_is_shown_in_words_with_counting_settings_read_only(admin_mode: Path) -> None:
    at = _settings_page()
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    for setting in settings_store.rule_settings():
        assert f"**{setting.title}**" in text
    assert "Instead for role ASYE: at most 18" in text  # the ASYE override of the cap
    assert "caseload setting `qsw_cap`" in text  # the cap-tied limit is not offered
    assert "Caseload cap, QSW: 25 children per worker" in text
    assert "Last statutory visit on the list date within, CP: 10 working days" in text
    assert "Last statutory visit on the list date within, CLA: 42 days" in text
    assert "Assessment authorised within 45 working days of its start" in text
    assert "pathway plan reviewed at least every 6 months" in text
    keys = {n.key for n in at.number_input}
    assert "settings:caseload_avg_per_fte:limit" not in keys
    assert "settings:agency_worker_pct:limit" in keys
    assert at.date_input(key="settings:caseload_qsw_over_cap_pct:date").value == date(2020, 3, 31)


def test_an_administrator_changes_a_threshold_and_it_is_saved_audited_and_read_back(
    admin_mode: Path,
) -> None:
    config = load_config()
    assert config.threshold("agency_worker_pct").limit == 20  # as shipped
    at = _settings_page()
    _number(at, "agency_worker_pct", "limit").set_value(25.0)
    at.date_input(key="settings:caseload_qsw_over_cap_pct:date").set_value(date(2021, 3, 31))
    at.run()
    preview = " ".join(m.value for m in at.markdown)
    assert "Agency workers: at most 20.0%" in preview and "→ at most 25.0%" in preview
    assert "by 31 March 2020 → target 0.0% by 31 March 2021" in preview
    assert load_config().threshold("agency_worker_pct").limit == 20  # nothing saved yet

    at.button(key="settings:save").click().run()
    assert not at.exception and not at.error
    assert any("Saved. Agency workers" in s.value for s in at.success)
    text = config.path.read_text(encoding="utf-8")
    assert KNOWN_COMMENT in text
    assert "kind: cap                             # a local ceiling, not a DfE measure" in text
    assert "limit: *qsw_cap" in text  # the anchors and aliases are kept
    changed = load_config()
    assert changed is not config  # re-read on the new file's time
    assert changed.threshold("agency_worker_pct").limit == 25
    assert changed.threshold("caseload_qsw_over_cap_pct").date == date(2021, 3, 31)
    [(who, action, what, detail)] = _audit(admin_mode, "settings")
    assert (who, action) == ("performance.lead@northmoor.example", "settings")
    assert what == "council.yaml: caseload_qsw_over_cap_pct, agency_worker_pct"  # file order
    assert "at most 20.0%" in detail and "at most 25.0%" in detail and "31 March 2021" in detail
    assert "No changes yet" in " ".join(m.value for m in at.markdown)  # in force now


def test_an_invalid_value_is_refused_with_a_message_and_nothing_changes(admin_mode: Path) -> None:
    path = load_config().path
    before = path.read_bytes()
    at = _settings_page()
    _number(at, "supervision_in_cycle_pct", "limit").set_value(150.0)
    at.run()
    title = api.kpi("supervision_in_cycle_pct").short_title
    assert f"{title}: limit is a percentage, so at most 100" in _errors(at)
    assert at.button(key="settings:save").disabled
    with pytest.raises(settings_store.SettingsInvalid, match="at most 100"):  # sent anyway
        settings_store.save(admin_mode, "a@x", {"supervision_in_cycle_pct": {"limit": 150}})
    assert path.read_bytes() == before
    assert _audit(admin_mode, "settings") == []


def test_board_meeting_dates_are_changed_as_uk_dates_and_the_comment_after_them_kept(
    admin_mode: Path,
) -> None:
    at = _settings_page()
    board = at.text_area(key="settings:board")
    board.set_value(board.value + "\n14/06/2022").run()
    assert "Board meetings: added 14 June 2022" in " ".join(m.value for m in at.markdown)
    at.button(key="settings:save").click().run()
    assert load_config().board_meeting_dates[-1] == date(2022, 6, 14)
    text = load_config().path.read_text(encoding="utf-8")
    assert "  - 2022-06-14\n\n" + KNOWN_COMMENT in text
    board = at.text_area(key="settings:board")
    board.set_value(board.value + "\n31/02/2023").run()
    assert "Board meetings: '31/02/2023' is not a date" in _errors(at)


def test_the_settings_store_refuses_what_the_page_would_not_offer(admin_mode: Path) -> None:
    path = load_config().path
    before = path.read_bytes()
    cases = {
        "caseload_avg_per_fte": ({"limit": 30}, "the limit is not changed here"),
        "icpc_awaiting_overdue": ({"limit": 1.5}, "must be a whole number"),
        "agency_worker_pct": ({"warn_within": 0}, "must be more than 0"),
        "caseload_workers_over_cap": ({"date": "2021-13-01"}, "is not a date"),
        "nonsense": ({"limit": 1}, "no status rule called 'nonsense'"),
    }
    for rule, (asked, message) in cases.items():
        with pytest.raises(settings_store.SettingsInvalid, match=message):
            settings_store.save(admin_mode, "a@x", {rule: asked})
    assert path.read_bytes() == before and _audit(admin_mode, "settings") == []


def test_a_save_while_a_load_holds_the_store_changes_nothing(
    admin_mode: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "DOWNLOAD_WAIT", 0.2)
    path = load_config().path
    before = path.read_bytes()
    with store.open_writer(admin_mode), pytest.raises(store.StoreBusy):
        settings_store.save(admin_mode, "a@x", {"agency_worker_pct": {"limit": 30}})
    assert path.read_bytes() == before and _audit(admin_mode, "settings") == []


def test_an_unchanged_save_writes_nothing_and_a_round_trip_keeps_every_byte(
    admin_mode: Path,
) -> None:
    path = load_config().path
    before = path.read_bytes()
    assert settings_store.save(admin_mode, "a@x", {"agency_worker_pct": {"limit": 20.0}}) == []
    assert path.read_bytes() == before
    settings_store.save(admin_mode, "a@x", {"agency_worker_pct": {"limit": 21}})
    settings_store.save(admin_mode, "a@x", {"agency_worker_pct": {"limit": 20}})
    assert path.read_bytes() == before  # only the one value was ever touched
    assert [e[1] for e in _audit(admin_mode, "settings")] == ["settings", "settings"]


# --- the audit log page ----------------------------------------------------------------------


def test_the_audit_log_shows_who_what_when_newest_first_and_filters(admin_mode: Path) -> None:
    settings_store.save(admin_mode, "lead@northmoor.example", {"agency_worker_pct": {"limit": 22}})
    at = _app(ADMIN)
    at.switch_page("app_pages/audit_log.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["When", "Who", "Action", "What", "Detail"]
    everything = audit.entries(admin_mode)
    assert len(frame) == len(everything)  # every load of the demo build, and the change
    first = frame.iloc[0]  # newest first: the settings change came last
    assert (first["Who"], first["Action"]) == ("lead@northmoor.example", "Settings change")
    assert first["When"] == audit.when_text(everything["happened_at"].iloc[0])
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}", first["When"])  # UK date
    at.selectbox(key="audit:action").set_value("load").run()
    loads = at.dataframe[0].value
    assert set(loads["Action"]) == {"Load"} and len(loads) == len(everything) - 1
    when = everything["happened_at"].iloc[0].date()
    at.date_input(key="audit:days").set_value((when, when)).run()
    assert len(at.dataframe[0].value) == len(loads)  # all on the day the demo was built
    at.date_input(key="audit:days").set_value((date(2020, 1, 1), date(2020, 1, 2))).run()
    assert not at.dataframe and any("No entries between 1 January 2020" in i.value for i in at.info)
    at.date_input(key="audit:days").set_value(())
    at.selectbox(key="audit:action").set_value("settings")
    at.selectbox(key="audit:who").set_value(audit.os_actor()).run()  # who built the demo
    assert not at.dataframe and any("No entries match" in i.value for i in at.info)


def test_an_administrator_sets_neighbours_from_the_dfe_table_and_the_median(
    admin_mode: Path,
) -> None:
    """The Council settings page's own door for the DfE's statistical-neighbour table."""
    table = REAL_FORMATS / "dfe-cscoe__New_Statistical_Neighbour_Groupings_April_2021.csv"
    config = load_config()
    # As if Northmoor were Camden (DfE 202), whose neighbours the table lists first to last.
    config.path.write_text(
        config.path.read_text(encoding="utf-8").replace('la_code: "999"', 'la_code: "202"'),
        encoding="utf-8",
    )
    at = _settings_page()
    at.radio(key="settings:average").set_value("median")
    at.get("file_uploader")[0].set_value((table.name, table.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    assert any("10 neighbours in the table" in t.value for t in at.text)
    at.button(key="settings:save-compare").click().run()
    assert not at.exception and not at.error
    changed = load_config()
    assert changed.neighbour_average == "median"
    codes = [str(n.get("la_code")) for n in changed.statistical_neighbours]
    assert codes[:5] == ["213", "205", "207", "206", "212"]  # Camden's SN1..SN5, closest first
    assert any("Statistical neighbours (from" in d for *_, d in _audit(admin_mode, "settings"))
