"""The hostile corpus (tests/hostile/manifest.yaml) through the command line and the upload path.

Every refused case must name its problem and leave every table's contents exactly as they were
(``table_checksums``); every case that is valid CSV after all must load the right rows. The
app must still serve its pages afterwards. Big and binary files are made at test time.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tracemalloc
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from charts.export import to_csv_bytes
from demo.files import write_returns
from etl.__main__ import main as cli_main
from etl.write import store
from etl.write.load import check_file, commit_checked, load_backlog, load_paths
from metrics import api
from metrics.formatting import FORMULA_STARTS
from tests.conftest import table_checksums

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
MANIFEST = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))["cases"]
JUNE = date(2021, 6, 1)
SQL_TEAM = "'; DROP TABLE visits; --"
CSV_HEAD = b"worker_id,team,role,fte,agency,caseload\n"


@dataclass
class Case:
    name: str  # the name it is uploaded / saved under
    path: Path  # the bytes, in a temporary folder
    expect: str
    message: str
    rows: int
    table: str = "caseloads"

    @property
    def id(self) -> str:
        return self.name


def _oversize(path: Path) -> None:
    """210 MB of valid-looking rows: over the 200 MB limit."""
    row = b"W1,Assessment North,QSW,1,N,18\n" * 32768
    with path.open("wb") as fh:
        fh.write(CSV_HEAD)
        while fh.tell() < 210 * 2**20:
            fh.write(row)


def _zip_bomb(path: Path) -> None:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(300):
            member.write(b"\0" * 2**20)


def _nul_deep(path: Path) -> None:
    """A valid return with one NUL byte 20 KB in, past the first look for binary data."""
    rows = b"".join(b"W%d,Assessment North,QSW,1,N,18\n" % i for i in range(1, 1200))
    path.write_bytes(CSV_HEAD + rows[:20_000] + b"\0" + rows[20_000:])


def _workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["worker_id", "team", "role", "fte", "agency", "caseload"])
    for i in range(1, rows + 1):
        ws.append([f"W{i}", "Assessment North", "QSW", 1, "N", 18])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite_zip(data: bytes, part: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            zout.writestr(info, edit(body) if info.filename == part else body)
    return out.getvalue()


def _understated_dimension(path: Path) -> None:
    """79 rows, with a <dimension> record that says the sheet ends at row 2."""
    path.write_bytes(
        _rewrite_zip(
            _workbook(79),
            "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F2"', xml),
        )
    )


def _macro_workbook(path: Path) -> None:
    """A workbook whose content types say it is macro-enabled (.xlsm)."""
    sheet = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    path.write_bytes(
        _rewrite_zip(_workbook(3), "[Content_Types].xml", lambda xml: xml.replace(sheet, macro))
    )


def _same_as_april(path: Path) -> None:
    """April's caseloads file, byte for byte (the base store has loaded it), sent as June."""
    folder = path.parent / "april"
    files = write_returns(folder, months=1, end=date(2021, 4, 1))
    shutil.copyfile(next(f for f in files if f.name.startswith("caseloads_")), path)
    shutil.rmtree(folder)


GENERATORS = {
    "nul_deep": _nul_deep,
    "understated_dimension": _understated_dimension,
    "macro_workbook": _macro_workbook,
    "same_as_april": _same_as_april,
    "oversize": _oversize,
    "binary": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8),
    "zip_bomb": _zip_bomb,
    "not_a_zip": lambda p: p.write_bytes(CSV_HEAD + b"W1,Assessment North,QSW,1,N,18\n"),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    folder = tmp_path_factory.mktemp("hostile")
    out = []
    for n, raw in enumerate(MANIFEST):
        path = folder / f"{n:02d}" / Path(raw.get("file") or raw["name"]).name
        path.parent.mkdir()
        if "generate" in raw:
            GENERATORS[raw["generate"]](path)
        else:
            shutil.copyfile(HOSTILE / "files" / raw["file"], path)
        name = raw.get("name") or path.name
        out.append(
            Case(
                name,
                path,
                raw["expect"],
                raw.get("message", ""),
                raw.get("rows", 0),
                raw.get("table", "caseloads"),
            )
        )
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding April 2021's demo returns, loaded as real ones: as a backlog, the
    store ``load_paths`` makes of them file by file with one check run and one refresh of
    the figures instead of one a file."""
    folder = tmp_path_factory.mktemp("base")
    files = write_returns(folder / "files", months=1, end=date(2021, 4, 1))
    db = folder / "store" / "csc.duckdb"
    assert all(r.ok for r in load_backlog(db, files))
    return db


@pytest.fixture(scope="module")
def base_checksums(base: Path) -> dict[str, str]:
    """``table_checksums`` of ``base``, read once: every case's store starts as a byte-for-byte
    copy of it, so this is each copy's state before its load, read once instead of once a
    case."""
    return table_checksums(base)


def _copy_store(base: Path, folder: Path) -> Path:
    db = folder / "store" / "csc.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copyfile(base, db)
    shutil.copyfile(store.snapshot_path(base), store.snapshot_path(db))
    return db


def _june_rows(db: Path, table: str = "caseloads") -> int:
    con = store.open_reader(db)
    try:
        sql = f"SELECT count(*) FROM {table} WHERE month = ?"
        return con.execute(sql, [JUNE]).fetchone()[0]
    finally:
        con.close()


def test_the_manifest_lists_every_committed_file() -> None:
    listed = {c["file"] for c in MANIFEST if "file" in c}
    assert listed == {p.name for p in (HOSTILE / "files").iterdir()}
    assert all(c["expect"] in ("rejected", "loaded") for c in MANIFEST)
    assert all(c.get("message") for c in MANIFEST if c["expect"] == "rejected")


@pytest.mark.parametrize(
    "n", range(len(MANIFEST)), ids=[str(c.get("file") or c["name"]) for c in MANIFEST]
)
def test_upload_path(
    n: int, cases: list[Case], base: Path, base_checksums: dict[str, str], tmp_path: Path
) -> None:
    """The functions the Load returns page calls, with the uploaded name as given."""
    case = cases[n]
    db = _copy_store(base, tmp_path)
    data = case.path.read_bytes()
    big = len(data) > 100 * 2**20  # refused from its size: no copy of the bytes may be made
    if big:  # traced only then: tracing every allocation makes a check three times slower
        tracemalloc.start()
    fc = check_file(case.name, data)
    if big:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 2 * 2**20, f"checking a {len(data):,}-byte upload used {peak:,} bytes"
    with store.open_writer(db) as con:
        result = commit_checked(con, db, fc, source="upload", user="analyst@northmoor.example")
    text = result.report.to_text()
    assert case.message in text
    assert "/" not in result.file_name and "$" not in result.file_name
    if case.expect == "rejected":
        assert result.status == "rejected", text
        assert table_checksums(db) == base_checksums
        assert result.kept_at.parent == db.parent / "rejected"  # never where the name points
    else:
        assert result.status == "loaded", text
        assert _june_rows(db, case.table) == case.rows


def test_command_line_refuses_every_bad_file_and_changes_nothing(
    cases: list[Case], base: Path, base_checksums: dict[str, str], tmp_path: Path
) -> None:
    """``python -m etl load`` as an analyst runs it: all refused files in one real process."""
    db = _copy_store(base, tmp_path)
    bad = [c for c in cases if c.expect == "rejected"]
    paths = []
    for i, case in enumerate(bad):
        paths.append(tmp_path / "bad" / str(i) / case.path.name)
        paths[-1].parent.mkdir(parents=True)
        os.link(case.path, paths[-1])  # no copy of the 210 MB file
    run = subprocess.run(
        [sys.executable, "-m", "etl", "load", *map(str, paths), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert f"{len(bad)} file(s): 0 loaded, 0 unchanged, {len(bad)} rejected." in run.stdout
    starts = [-1]  # each file's report, in the order given (a name may come twice)
    for path in paths:
        starts.append(run.stdout.index(f"{path.name}: REJECTED", starts[-1] + 1))
    starts = starts[1:]
    for start, end, path, case in zip(starts, [*starts[1:], None], paths, bad, strict=True):
        assert case.message in run.stdout[start:end], path.name
        assert f"rejected {path.name}:" in run.stderr  # the log line names each file
    assert "Traceback" not in run.stderr
    assert table_checksums(db) == base_checksums


@pytest.mark.parametrize(
    "n", range(len(MANIFEST)), ids=[str(c.get("file") or c["name"]) for c in MANIFEST]
)
def test_command_line_exit_code(
    n: int, cases: list[Case], base: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Each file alone through the CLI's entry point: exit 1 when refused, 0 when loaded."""
    case = cases[n]
    db = _copy_store(base, tmp_path)
    target = tmp_path / "in" / Path(case.name).name  # shell characters kept in the real name
    target.parent.mkdir()
    os.link(case.path, target)
    assert cli_main(["load", str(target), "--db", str(db)]) == (case.expect == "rejected")
    assert case.message in capsys.readouterr().out
    assert not (tmp_path / "in" / "PWNED").exists() and not (ROOT / "PWNED").exists()


def test_cli_size_check_does_not_read_the_file(cases: list[Case], base: Path, tmp_path) -> None:
    case = next(c for c in cases if c.path.stat().st_size > 200 * 2**20)
    db = _copy_store(base, tmp_path)
    tracemalloc.start()
    [result] = load_paths(db, [case.path])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.status == "rejected" and "the limit is 200 MB" in result.message
    assert peak < 10 * 2**20, f"refusing a 210 MB file took {peak:,} bytes"
    assert not result.kept_at.exists()  # only the report is kept, not 210 MB of rubbish


@pytest.fixture(scope="module")
def after_hostile_loads(cases: list[Case], base: Path, tmp_path_factory) -> Path:
    """A store that has taken every loadable hostile file (each replacing June's caseloads),
    each in its own transaction as the upload page commits it, but under one writer, so
    published once at the end (a writer, checkpoint and snapshot per file were most of this
    set-up; what the tests below read is the store after the last file either way)."""
    db = _copy_store(base, tmp_path_factory.mktemp("after"))
    sql = next(c for c in cases if "sql-team-name" in c.name)
    with store.open_writer(db) as con:
        for case in [*cases, sql]:  # the SQL-looking team last: June's caseloads are its
            if case.path.stat().st_size > 100 * 2**20:
                continue  # the oversize file: its refusal is tested above
            fc = check_file(case.name, case.path.read_bytes())
            commit_checked(con, db, fc, source="upload")
    return db


def test_sql_looking_text_is_stored_as_text_and_harms_nothing(after_hostile_loads: Path) -> None:
    db = after_hostile_loads
    con = duckdb.connect(str(store.snapshot_path(db)), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        teams = {
            r[0]
            for r in con.execute("SELECT team FROM caseloads WHERE month = ?", [JUNE]).fetchall()
        }
        visits = con.execute("SELECT count(*) FROM visits").fetchone()[0]
    finally:
        con.close()
    assert {"visits", "caseloads", "load_log", "audit"} <= tables and visits > 0
    assert SQL_TEAM in teams
    assert SQL_TEAM in api.teams(db)


def test_the_app_still_serves_pages_after_the_corpus(
    after_hostile_loads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSC_DB", str(after_hostile_loads))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and at.metric
    at.switch_page("app_pages/caseloads.py").run()
    assert not at.exception
    options = [o for box in at.selectbox for o in box.options]
    assert SQL_TEAM in options  # shown as the plain text it is
    at.switch_page("app_pages/data_quality.py").run()
    assert not at.exception and at.dataframe


def test_formula_cells_are_inert_in_the_row_export(cases: list[Case], base, tmp_path) -> None:
    db = _copy_store(base, tmp_path)
    case = next(c for c in cases if "formula-cells" in c.name)
    with store.open_writer(db) as con:
        commit_checked(con, db, check_file(case.name, case.path.read_bytes()), source="upload")
    rows = api.kpi_rows(db, "caseload_highest", JUNE)
    cells = [
        cell
        for row in csv.reader(io.StringIO(to_csv_bytes(rows).decode("utf-8-sig")))
        for cell in row
    ]
    raw = {'=HYPERLINK("http://example.invalid")', "+SUM(1+1)", "-2+3", "@cmd"}
    shown = set(rows.astype(str).to_numpy().ravel())
    assert raw & shown, "the hostile cells reach the export"
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert {"'" + r for r in raw & shown} <= set(cells)
