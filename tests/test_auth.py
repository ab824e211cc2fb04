"""Sign-in, roles and the audit trail, driven through the real app with AppTest.

AppTest's ``user`` dict stands in for the identity token Entra ID would send (``st.user``);
``CSC_AUTH=oidc`` turns sign-in on as an ``[auth]`` section in secrets.toml would. Refusals
are tested by opening restricted pages directly, not only by checking they are hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from demo.council import RETURN_COLUMNS
from demo.files import write_returns
from etl.write import audit, store
from etl.write.load import check_file, commit_checked, load_paths
from ui import auth
from ui.navigation import PAGES, visible

ROOT = Path(__file__).resolve().parent.parent
VIEWER = {"is_logged_in": True, "email": "viewer@northmoor.example", "roles": ["Dashboard.Viewer"]}
ANALYST = {
    "is_logged_in": True,
    "email": "Analyst@Northmoor.example",
    "groups": ["00000000-0000-0000-0000-00000000a002"],
}
REFUSED = "This page is for analysts"


@pytest.fixture
def signed_in_mode(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSC_DB", str(demo_db))
    monkeypatch.setenv(auth.AUTH_ENV, "oidc")
    return demo_db


@pytest.fixture
def real_store(tmp_path: Path) -> Iterator[Path]:
    """A store holding one month of (synthetic) returns loaded as real ones."""
    files = write_returns(tmp_path / "files", months=1, end=date(2021, 4, 1))
    db = tmp_path / "store" / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, files))
    yield db


def _app(user: dict | None = None, script: str = "app.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    if user is not None:
        at.user = user
    return at.run()


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def _audit(db: Path, action: str | None = None) -> list[tuple]:
    with store.open_writer(db, publish=False) as con:
        rows = con.execute("SELECT who, action, what, detail FROM audit ORDER BY audit_id")
        return [r for r in rows.fetchall() if action in (None, r[1])]


# --- roles from config ------------------------------------------------------------------------


def test_roles_come_from_email_or_any_group_claim_and_the_highest_wins() -> None:
    access = auth.Access(
        default_role=None,
        users={"lead@x.example": "admin"},
        groups={"g-view": "viewer", "g-analyst": "analyst", "App.Admin": "admin"},
    )
    assert auth.role_for({"email": "LEAD@x.example"}, access) == "admin"  # case-insensitive
    assert auth.role_for({"email": "a@x", "groups": ["g-view", "g-analyst"]}, access) == "analyst"
    assert auth.role_for({"email": "a@x", "roles": "App.Admin"}, access) == "admin"  # str claim
    assert auth.role_for({"email": "nobody@x", "groups": ["other"]}, access) is None
    assert auth.role_for({"email": "nobody@x"}, auth.Access(default_role="viewer")) == "viewer"


def test_the_shipped_access_file_reads_and_refuses_unlisted_users() -> None:
    access = auth.load_access()
    assert access.default_role is None  # a signed-in stranger sees nothing
    assert set(access.groups.values()) <= set(auth.ROLES)


def test_an_unknown_role_in_the_access_file_is_an_error_not_a_grant(tmp_path: Path) -> None:
    path = tmp_path / "access.yaml"
    path.write_text("default_role: none\nusers:\n  a@x: superuser\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown role 'superuser'"):
        auth.load_access(path)


def test_each_role_includes_the_ones_below() -> None:
    assert auth.allows("admin", "analyst") and auth.allows("analyst", "viewer")
    assert not auth.allows("viewer", "analyst") and not auth.allows(None, "viewer")

    def hidden_from(role: str) -> set[str]:
        return {e.title for e in PAGES} - {e.title for e in visible(PAGES, role)}

    admin_only = {"Council settings", "Audit log"}  # tests/test_admin_pages.py
    assert hidden_from("viewer") == {"Load returns", "Data quality", *admin_only}
    assert hidden_from("analyst") == admin_only
    assert visible(PAGES, "admin") == PAGES


# --- sign-in and refusals in the app -------------------------------------------------------------


def test_signed_out_users_see_only_a_sign_in_button(signed_in_mode: Path) -> None:
    at = _app({"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe  # no figures before sign-in


def test_a_signed_in_user_with_no_role_is_told_so_and_sees_nothing(signed_in_mode: Path) -> None:
    at = _app({"is_logged_in": True, "email": "stranger@elsewhere.example"})
    assert "have not been given access" in _errors(at)
    assert not at.metric and not at.title


def test_a_viewer_cannot_reach_the_load_page_hidden_or_by_address(signed_in_mode: Path) -> None:
    at = _app(VIEWER)
    assert not at.exception and at.metric  # the overview is served
    assert "Signed in as viewer@northmoor.example (viewer)" in [c.value for c in at.sidebar.caption]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/load_returns.py")  # not registered for a viewer
    for page in ("app_pages/load_returns.py", "app_pages/data_quality.py"):
        direct = _app(VIEWER, page)  # the page's own script, as if reached by its address
        assert not direct.exception
        assert REFUSED in _errors(direct)
        assert not direct.get("file_uploader") and not direct.dataframe and not direct.title


def test_an_analyst_can_open_the_load_and_quality_pages(signed_in_mode: Path) -> None:
    at = _app(ANALYST)
    at.switch_page("app_pages/load_returns.py").run()
    assert not at.exception and at.get("file_uploader")
    at.switch_page("app_pages/data_quality.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Data quality"]
    # Access removed mid-session: the next run no longer serves the page.
    at.user = VIEWER
    at.run()
    assert "Data quality" not in [t.value for t in at.title]


def test_child_level_rows_are_offered_to_analysts_only(signed_in_mode: Path) -> None:
    def rows_panels(user: dict) -> list[str]:
        at = _app(user)
        at.switch_page("app_pages/visits.py").run()
        assert not at.exception
        return [e.label for e in at.expander if e.label.startswith("Rows behind")]

    assert rows_panels(ANALYST)
    assert rows_panels(VIEWER) == []


# --- local demo mode -------------------------------------------------------------------------


def test_demo_mode_is_bannered(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSC_DB", str(demo_db))
    monkeypatch.setenv(auth.AUTH_ENV, "none")
    monkeypatch.delenv(auth.ALLOW_ENV, raising=False)
    at = _app()
    assert not at.exception and at.metric
    banner = next(w.value for w in at.warning if auth.DEMO_BANNER in w.value)
    # The banner says what everyone may do: the demo role is analyst unless set otherwise.
    assert "uses it as an analyst" in banner


def test_demo_mode_refuses_a_store_with_real_returns_unless_allowed(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSC_DB", str(real_store))
    monkeypatch.setenv(auth.AUTH_ENV, "none")
    monkeypatch.delenv(auth.ALLOW_ENV, raising=False)
    at = _app()
    assert "holds real returns" in _errors(at) and auth.ALLOW_ENV in _errors(at)
    assert not at.metric and not at.title
    monkeypatch.setenv(auth.ALLOW_ENV, "1")
    at = _app()
    assert not at.exception and not at.error and at.title


def test_demo_role_can_be_narrowed_to_viewer(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("CSC_DB", str(demo_db))
    monkeypatch.setenv(auth.AUTH_ENV, "none")
    monkeypatch.setenv(auth.DEMO_ROLE_ENV, "viewer")
    assert REFUSED in _errors(_app(script="app_pages/load_returns.py"))


# --- the audit trail -------------------------------------------------------------------------


def test_every_load_attempt_is_audited_with_who(real_store: Path, tmp_path: Path) -> None:
    entries = _audit(real_store)
    assert len(entries) == len(RETURN_COLUMNS) and {e[1] for e in entries} == {"load"}
    assert all(e[0] == audit.os_actor() and e[3].startswith("loaded") for e in entries)
    bad = check_file("caseloads_2021-05.csv", b"worker_id,team,role,fte,agency,caseload\n")
    with store.open_writer(real_store) as con:
        commit_checked(con, real_store, bad, "upload", user="analyst@northmoor.example")
    who, action, what, detail = _audit(real_store)[-1]
    assert (who, action, what) == ("analyst@northmoor.example", "load", "caseloads_2021-05.csv")
    assert detail.startswith("rejected: The file has a header but no rows")


def test_a_row_download_is_audited_on_click_before_it_is_handed_over(real_store: Path) -> None:
    made: list[int] = []

    def make() -> bytes:
        made.append(1)
        return b"child_id\r\nC1\r\n"

    produce = audit.audited(real_store, "a@northmoor.example", "row_download", "visits.csv", make)
    assert not made and len(_audit(real_store)) == len(RETURN_COLUMNS)  # nothing until the click
    version = store.snapshot_version(real_store)
    assert produce() == b"child_id\r\nC1\r\n"
    assert _audit(real_store, "row_download") == [
        ("a@northmoor.example", "row_download", "visits.csv", "14 bytes")  # 8+2+2+2
    ]
    assert store.snapshot_version(real_store) == version  # readers' caches are not disturbed


def test_a_download_that_cannot_be_audited_does_not_happen(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "DOWNLOAD_WAIT", 0.2)
    produce = audit.audited(real_store, "a@x", "row_download", "v.csv", lambda: b"rows")
    with store.open_writer(real_store), pytest.raises(store.StoreBusy):  # a load is running
        produce()
    assert all(e[1] == "load" for e in _audit(real_store))


def test_the_rows_panel_download_is_audited_when_clicked(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "csc.duckdb"  # a private copy: this test writes to the audit table
    with store.open_writer(demo_db, publish=False):  # copy a quiescent master
        db.write_bytes(demo_db.read_bytes())
    monkeypatch.setenv("CSC_DB", str(db))
    monkeypatch.setenv(auth.AUTH_ENV, "oidc")
    deferred: list = []  # the callables Streamlit would run when the button is clicked
    original = MediaFileManager.add_deferred

    def keep(self, data, *args, **kwargs):
        deferred.append(data)
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = _app(ANALYST)
    at.switch_page("app_pages/visits.py").run()
    key = next(e.key for e in at.expander if e.label.startswith("Rows behind"))
    at.session_state[key] = True
    deferred.clear()  # those of the run before the panel opened
    at.run()
    labels = [b.label for b in at.get("download_button")]  # with each table's own CSV
    assert labels.count("Download these rows (CSV)") == 1
    # Every download on the page is prepared only when clicked (one deferred each, in order).
    assert len(deferred) == len(labels) and _audit(db, "row_download") == []  # not clicked
    data = deferred[labels.index("Download these rows (CSV)")]()  # the click
    [(who, action, what, detail)] = _audit(db, "row_download")
    assert (who, action) == ("Analyst@Northmoor.example", "row_download")
    assert what.startswith("visits_") and f"{len(data):,} bytes" == detail
