"""Without sign-in, nobody can load real returns: only the demo store may be written to.

Issue #19 found that with no sign-in configured an anonymous visitor could load real returns
into an existing empty store (which then became a store of real returns anyone could see).
The Load returns page now offers no drop zone then, and the write itself refuses as well.
``CSC_ALLOW_NO_SIGNIN=1`` (a machine already restricted) and sign-in keep loading open.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo.files import write_returns
from etl.write import store
from etl.write.load import check_path
from tests.conftest import table_checksums
from ui import auth, upload

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "load_returns.py")


@pytest.fixture
def anonymous(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No sign-in configured, and no deliberate choice to run without it."""
    monkeypatch.setenv(auth.AUTH_ENV, "none")
    monkeypatch.delenv(auth.ALLOW_ENV, raising=False)
    return monkeypatch


def _empty_store(db: Path, kind: str | None = None) -> Path:
    with store.open_writer(db) as con:
        if kind:
            con.execute("INSERT INTO store_meta VALUES ('kind', ?)", [kind])
    return db


def _page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CSC_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def _refused(at: AppTest) -> bool:
    return any("Loading returns needs sign-in" in e.value for e in at.error)


def test_an_anonymous_visitor_gets_no_drop_zone_on_an_empty_store(anonymous, db: Path) -> None:
    at = _page(_empty_store(db), anonymous)
    assert _refused(at)
    assert not at.get("file_uploader")


def test_an_anonymous_visitor_gets_no_drop_zone_where_there_is_no_store(anonymous, db) -> None:
    at = _page(db, anonymous)
    assert _refused(at)
    assert not at.get("file_uploader")
    assert not db.exists()


def test_the_demo_store_keeps_its_drop_zone_without_sign_in(anonymous, db: Path) -> None:
    at = _page(_empty_store(db, kind="demo"), anonymous)
    assert not _refused(at)
    assert at.get("file_uploader")


@pytest.mark.parametrize("how", ["allowed", "signed-in"])
def test_sign_in_or_a_deliberate_choice_keeps_loading_open(how, anonymous, db: Path) -> None:
    if how == "allowed":
        anonymous.setenv(auth.ALLOW_ENV, "1")
    else:
        anonymous.setenv(auth.AUTH_ENV, "oidc")
    assert auth.may_write(_empty_store(db))


def test_the_write_itself_refuses_an_anonymous_load(anonymous, db: Path, tmp_path) -> None:
    """The backstop under the page: a checked, acceptable file still changes nothing."""
    _empty_store(db)
    before = table_checksums(db, skip=())
    path = next(p for p in write_returns(tmp_path / "files", months=1) if "caseloads" in p.name)
    fc = check_path(path)
    assert fc.accepted
    try:
        with pytest.raises(PermissionError, match="needs sign-in"):
            upload._write(db, fc)
    finally:
        fc.discard()
    assert table_checksums(db, skip=()) == before
