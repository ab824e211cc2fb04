"""The Load returns page, driven by AppTest: a good file, a refused file, a resubmission."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo.files import write_returns
from etl.write import store
from etl.write.load import load_paths
from metrics import api
from tests.conftest import app_reads, table_checksums

ROOT = Path(__file__).resolve().parent.parent
APRIL, MAY = date(2021, 4, 1), date(2021, 5, 1)


@pytest.fixture(scope="module")
def april(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """April 2021 loaded once through the loader, and the demo generator's May files."""
    folder = tmp_path_factory.mktemp("april")
    files = {p.name: p for p in write_returns(folder / "files", months=2, end=MAY)}
    db = folder / "store" / "csc.duckdb"
    april = [p for name, p in files.items() if name.endswith("2021-04.csv")]
    assert all(r.ok for r in load_paths(db, april))
    return db, files


@pytest.fixture
def store_with_april(april, tmp_path: Path) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A real store holding April 2021 (a copy of the store folder loaded once, so each test
    writes its own); the demo generator's May files ready to upload."""
    loaded, files = april
    db = Path(shutil.copytree(loaded.parent, tmp_path / "store")) / loaded.name
    with app_reads(db):
        yield db, files


def _upload_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/load_returns.py").run()
    assert not at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    return at.run()


def test_a_good_file_is_previewed_then_loaded_and_seen_at_once(store_with_april) -> None:
    db, files = store_with_april
    data = files["caseloads_2021-05.csv"].read_bytes()
    rows = data.count(b"\n") - 1
    at = _upload(_upload_page(), "caseloads_2021-05.csv", data)
    assert not at.exception
    assert any(f"New: Caseloads for May 2021, {rows:,} rows." in m.value for m in at.markdown)
    assert api.months(db) == [APRIL]  # nothing loaded before the analyst presses Load
    at.button(key="load:" + next(k for k in _keys(at))).click().run()
    assert not at.exception
    assert any(s.value.startswith("Loaded:") for s in at.success)
    assert api.months(db) == [APRIL, MAY]
    # The shared month picker now offers May without restarting the app.
    assert "May 2021" in at.sidebar.selectbox(key="as_at").options


def _keys(at: AppTest) -> list[str]:
    return [b.key.removeprefix("load:") for b in at.button if (b.key or "").startswith("load:")]


def test_a_bad_file_is_refused_with_rows_and_changes_nothing(store_with_april) -> None:
    db, _ = store_with_april
    before = table_checksums(db)
    bad = (
        "worker_id,team,role,fte,agency,caseload\n"
        "W1,Team A,QSW,1.5,N,20\n"  # fte above 1
        "W2,Team A,QSW,1,N,lots\n"  # text in a number column
    )
    at = _upload(_upload_page(), "caseloads_2021-05.csv", bad.encode())
    assert not at.exception
    assert at.error and "refused" in at.error[0].value
    table = at.dataframe[0].value
    assert set(table["Column"]) >= {"fte", "caseload"}
    assert "2" in " ".join(table["Example rows"])  # spreadsheet row 2 is the first data row
    assert not [b for b in at.button if (b.key or "").startswith("load:")]
    assert table_checksums(db) == before
    kept = list((db.parent / "rejected").glob("*caseloads_2021-05.csv*"))
    assert len(kept) == 2  # the file and its .report.json


def test_a_resubmitted_month_shows_what_it_replaces(store_with_april) -> None:
    _, files = store_with_april
    lines = files["caseloads_2021-04.csv"].read_text().splitlines()
    shorter = "\n".join(lines[:-1]) + "\n"
    at = _upload(_upload_page(), "caseloads_2021-04.csv", shorter.encode())
    assert not at.exception
    old, new = len(lines) - 1, len(lines) - 2
    assert any(
        "Replaces Caseloads for April 2021 loaded on" in m.value
        and f"{old} → {new} rows" in m.value
        for m in at.markdown
    )


def test_the_identical_file_again_changes_nothing(store_with_april) -> None:
    _, files = store_with_april
    at = _upload(
        _upload_page(), "caseloads_2021-04.csv", files["caseloads_2021-04.csv"].read_bytes()
    )
    assert any("nothing will change" in i.value for i in at.info)


def test_the_drop_zone_declares_its_file_types_and_the_loaders_size_limit(
    store_with_april, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSC_MAX_FILE_MB", "5")
    uploader = _upload_page().get("file_uploader")[0].proto
    assert uploader.max_upload_size_mb == 5
    assert list(uploader.type) == [".csv", ".xlsx", ".xml"] and uploader.multiple_files


def test_a_file_over_the_size_limit_is_refused_unread(
    store_with_april, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, files = store_with_april
    before = table_checksums(db)
    data = files["caseloads_2021-05.csv"].read_bytes()
    assert len(data) > 2048
    monkeypatch.setenv("CSC_MAX_FILE_MB", str(2048 / 2**20))  # a 2 KB limit
    at = _upload(_upload_page(), "caseloads_2021-05.csv", data)
    assert at.error and "the limit is" in at.dataframe[0].value["Problem"][0]
    assert table_checksums(db) == before


def test_an_uploaded_name_never_chooses_where_the_file_is_kept(store_with_april) -> None:
    db, _ = store_with_april
    at = _upload(_upload_page(), "../../../escaped/caseloads_2021-05.csv", b"not,a\nreturn,\n")
    assert at.error
    assert not (db.parent.parent.parent / "escaped").exists()
    kept = sorted(p.name for p in (db.parent / "rejected").iterdir())
    assert len(kept) == 2 and all(
        name.endswith(("_caseloads_2021-05.csv", "_caseloads_2021-05.csv.report.json"))
        for name in kept
    )


def test_several_files_at_once_each_get_their_own_outcome(store_with_april) -> None:
    _, files = store_with_april
    good = files["icpc_2021-05.csv"].read_bytes()
    bad = b"child_id,team,strategy_date,icpc_date\nC1,Safeguarding 1,not a date,\n"
    at = _upload_page()
    at.get("file_uploader")[0].set_value(
        [("icpc_2021-05.csv", good, "text/csv"), ("icpc_2021-06.csv", bad, "text/csv")]
    )
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "icpc_2021-06.csv" in at.error[0].value
    assert len(_keys(at)) == 1  # one Load button: for the good file only
    assert any(
        "New: Initial child protection conferences for May 2021" in m.value for m in at.markdown
    )


def test_load_while_another_load_runs_says_to_retry_and_then_loads(
    store_with_april, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, files = store_with_april
    monkeypatch.setattr("ui.upload.LOAD_WAIT_SECONDS", 0.3)
    at = _upload(_upload_page(), "icpc_2021-05.csv", files["icpc_2021-05.csv"].read_bytes())
    key = "load:" + _keys(at)[0]
    with store.open_writer(db):  # another loader holds the store
        at.button(key=key).click().run()
    assert not at.exception
    assert any("Another load is running" in w.value for w in at.warning)
    assert api.months(db) == [APRIL]  # nothing half-done
    at.button(key=key).click().run()  # pressed again once the other load has finished
    assert any(s.value.startswith("Loaded:") for s in at.success)
    assert api.months(db) == [APRIL, MAY]


def test_an_annex_a_workbook_asks_its_list_date_then_loads(store_with_april, tmp_path) -> None:
    """The page's own door for a council's Annex A workbook: an undated workbook is a
    question (nothing logged or kept), the date on the form answers it, Load loads it."""
    from tests.test_annex_a import EASTER_LIST5, LIST5, write_workbook

    db, _ = store_with_april
    before = table_checksums(db)
    book = write_workbook(tmp_path / "annex a.xlsx", {"List_5": (LIST5, EASTER_LIST5)})
    at = _upload(_upload_page(), book.name, book.read_bytes())
    assert not at.exception
    assert any("Which day was it extracted?" in w.value for w in at.warning)
    assert not _keys(at) and table_checksums(db) == before
    assert not (db.parent / "rejected").exists()  # a question, not a refusal to keep
    at.date_input(key="upload:as_at").set_value(date(2021, 4, 30)).run()
    assert not at.exception
    # April's ICPC return is loaded from a monthly file: taking it over needs the tick.
    assert any("Would replace what the monthly return" in w.value for w in at.warning)
    [key] = _keys(at)
    assert at.button(key="load:" + key).disabled
    at.checkbox(key="replace:" + key).check().run()
    at.button(key="load:" + key).click().run()
    assert not at.exception
    assert any("Initial child protection conferences" in s.value for s in at.success)
    # April's conferences are now the list's: A1, A2 in time of A1-A3 (tests/test_annex_a.py).
    values = api.kpi_values(db, ["icpc_within_15wd_pct"], months=[APRIL], teams=["ALL"])
    assert values["value"].iloc[0] == pytest.approx(200 / 3)


def test_a_workforce_census_is_previewed_then_loaded(
    store_with_april, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DfE's workforce census XML through the page: described as the census, its
    whole-council caseloads at 30 September previewed, then loaded when Load is pressed."""
    from tests.census_xml import csww_census, worker

    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(tmp_path / "key"))
    db, _ = store_with_april
    data = csww_census([worker("QX0000000001", "20"), worker("QX0000000002", "12")]).encode()
    at = _upload(_upload_page(), "csww_2021.xml", data)
    assert not at.exception
    said = [m.value for m in at.markdown]
    assert any("Children's social work workforce census (XML), 2 rows" in m for m in said), said
    assert any("New: Caseloads for September 2021, 2 rows." in m for m in said), said
    assert any("team 'Whole council'" in t.value for t in at.text)
    [key] = _keys(at)
    at.button(key="load:" + key).click().run()
    assert not at.exception
    assert date(2021, 9, 1) in api.months(db)


def test_a_years_ssda903_tables_dropped_together_are_one_set(store_with_april) -> None:
    """Five SSDA903 tables dropped at once: one block, one Load button, figures loaded once
    the clash with a month already loaded is confirmed."""
    from tests.test_kpis_looked_after import TABLES

    db, _ = store_with_april
    tables = {n: t for n, t in TABLES.items() if not n.endswith("sw_episodes.csv")}
    at = _upload_page()
    at.get("file_uploader")[0].set_value([(n, t.encode(), "text/csv") for n, t in tables.items()])
    at.run()
    assert not at.exception
    [key] = _keys(at)  # one Load button for the set
    assert all(n in key for n in tables)
    assert any("Children looked after (episodes of care)" in m.value for m in at.markdown)
    # April 2021's monthly looked-after files are in the store: the year's set would replace
    # that month, so the page names the clash and loads only once it is confirmed
    assert at.button(key="load:" + key).disabled and at.warning
    at.checkbox(key="replace:" + key).check().run()
    at.button(key="load:" + key).click().run()
    assert not at.exception
    [said] = [s.value for s in at.success]  # once: not "Replaced: Loaded: …"
    assert said.startswith("Loaded: Children looked after") and "(1 replacing, 11 new)" in said
    values = api.kpi_values(db, ["cla_at_month_end"], months=[date(2022, 3, 1)], teams=["ALL"])
    assert values["value"].iloc[0] == 4  # C1, C2, R1, R2 (tests/test_kpis_looked_after.py)


def test_every_return_has_a_template_to_download(store_with_april) -> None:
    from etl.returns import all_returns

    at = _upload_page()
    keys = {e.proto.id for e in at.get("download_button")}
    assert len(keys) == len(all_returns())
    labels = " ".join(e.proto.label for e in at.get("download_button"))
    for spec in all_returns().values():
        assert f"({spec.name})" in labels
