"""Loading returns: each return, real-world variants, resubmission, no-op, and rejection."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.write import store
from etl.write.load import check_file, load_paths, pending_change
from metrics.summary import summary
from tests.conftest import table_checksums

CASELOADS = (
    "worker_id,team,role,fte,agency,caseload\n"
    "W1,Safeguarding 1,QSW,1,N,27\n"
    "W2,Safeguarding 1,ASYE,0.8,N,15\n"
    "W3,Assessment 1,QSW,0.5,Y,12\n"
)
VISITS = (
    "child_id,team,worker_id,plan_type,due_date,visit_date,seen,seen_alone\n"
    "C1,Safeguarding 1,W1,CP,10/05/2021,07/05/2021,Y,Y\n"
    "C2,Safeguarding 1,W1,CIN,2021-05-20,,N,\n"
    "C3,Children in Care 1,W2,CLA,31/05/2021,02/06/2021,Y,N\n"
)
ICPC = (
    "child_id,team,strategy_date,icpc_date\n"
    "C1,Safeguarding 1,01/04/2021,22/04/2021\n"
    "C2,Safeguarding 2,2021-04-06,\n"
)
SUPERVISION = (
    "child_id,team,worker_id,plan_type,last_supervision_date\n"
    "C1,Safeguarding 1,W1,CP,20/05/2021\n"
    "C2,Safeguarding 1,W1,CIN,\n"
)
ANNEX_A_ICPC = (
    "Child Unique ID,Allocated Team,Strategy discussion initiating Section 47 Enquiry Start Date,"
    "Date of Initial Child Protection Conference\n"
    "C1,Safeguarding 1,01/04/2021,22/04/2021\n"
    "C2,Safeguarding 2,06/04/2021,\n"
)


def put(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    con = store.open_reader(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("name", "text", "table", "count"),
    [
        ("caseloads_2021-05.csv", CASELOADS, "caseloads", 3),
        ("visits_2021-05.csv", VISITS, "visits", 3),
        ("icpc_2021-04.csv", ICPC, "icpc", 2),
        ("supervision_2021-05.csv", SUPERVISION, "supervision", 2),
    ],
)
def test_each_return_loads(tmp_path, db, name, text, table, count):
    [result] = load_paths(db, [put(tmp_path, name, text)])
    assert result.status == "loaded", result.report.to_text()
    assert rows(db, f"SELECT count(*) FROM {table}") == [(count,)]
    [(month,)] = rows(db, f"SELECT DISTINCT month FROM {table}")
    assert month == date(int(name[-11:-7]), int(name[-6:-4]), 1)


def test_values_are_typed_and_codes_canonical(tmp_path, db):
    text = VISITS.replace(",CIN,", ",Child in need,").replace("CLA", "LAC")
    load_paths(db, [put(tmp_path, "visits_2021-05.csv", text)])
    got = rows(
        db,
        "SELECT child_id, plan_type, due_date, visit_date, seen, seen_alone "
        "FROM visits ORDER BY child_id",
    )
    assert got == [
        ("C1", "CP", date(2021, 5, 10), date(2021, 5, 7), True, True),
        ("C2", "CIN", date(2021, 5, 20), None, False, None),
        ("C3", "CLA", date(2021, 5, 31), date(2021, 6, 2), True, False),
    ]


def test_annex_a_headers_cp1252_and_bom_all_load(tmp_path, db):
    annex = put(
        tmp_path,
        "icpc_2021-04.csv",
        ANNEX_A_ICPC.replace("Safeguarding 2", "Café Team"),
        encoding="cp1252",
    )
    bom = put(tmp_path, "visits_2021-05.csv", VISITS, encoding="utf-8-sig")
    results = load_paths(db, [annex, bom])
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert rows(db, "SELECT team FROM icpc ORDER BY team") == [("Café Team",), ("Safeguarding 1",)]
    assert rows(db, "SELECT icpc_date FROM icpc WHERE child_id = 'C1'") == [(date(2021, 4, 22),)]


def test_header_case_spaces_and_punctuation_are_folded(tmp_path, db):
    text = CASELOADS.replace(
        "worker_id,team,role,fte,agency,caseload",
        "WORKER ID, Team ,Job-Role,F.T.E.,Agency Y/N,Number of cases",
    )
    [result] = load_paths(db, [put(tmp_path, "caseloads_2021-05.csv", text)])
    assert result.status == "loaded", result.report.to_text()


def test_month_from_period_column_when_name_says_nothing(tmp_path, db):
    text = "period," + ICPC.replace("\n", "\n2021-04,", ICPC.count("\n") - 1)
    [result] = load_paths(db, [put(tmp_path, "export from system.csv", text)])
    assert result.status == "loaded", result.report.to_text()
    assert rows(db, "SELECT DISTINCT month FROM icpc") == [(date(2021, 4, 1),)]


def test_xlsx_with_one_sheet_loads(tmp_path, db):
    wb = openpyxl.Workbook()
    for line in SUPERVISION.strip().split("\n"):
        wb.active.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "supervision_2021-05.xlsx"
    path.write_bytes(buf.getvalue())
    [result] = load_paths(db, [path])
    assert result.status == "loaded", result.report.to_text()
    assert rows(db, "SELECT count(*) FROM supervision") == [(2,)]


def test_resubmission_replaces_the_month(tmp_path, db):
    load_paths(db, [put(tmp_path / "a", "visits_2021-05.csv", VISITS)])
    fewer = "\n".join(VISITS.strip().split("\n")[:2]) + "\n"
    resubmitted = put(tmp_path / "b", "visits_2021-05.csv", fewer)
    fc = check_file(resubmitted.name, resubmitted.read_bytes())
    change = pending_change(db, fc)
    assert (change.kind, change.previous_rows) == ("replace", 3)
    assert "3 → 1 rows" in change.describe(1, "Statutory visits for May 2021")
    [result] = load_paths(db, [resubmitted])
    assert result.status == "replaced"
    assert rows(db, "SELECT count(*) FROM visits") == [(1,)]
    statuses = rows(db, "SELECT status FROM load_log ORDER BY load_id")
    assert statuses == [("loaded",), ("replaced",)]


def test_identical_file_again_is_a_no_op(tmp_path, db):
    path = put(tmp_path, "caseloads_2021-05.csv", CASELOADS)
    load_paths(db, [path])
    before = table_checksums(db)
    [result] = load_paths(db, [path])
    assert result.status == "unchanged"
    assert "nothing will change" in result.message
    assert table_checksums(db) == before
    assert rows(db, "SELECT status FROM load_log ORDER BY load_id") == [("loaded",), ("unchanged",)]


def test_another_month_is_added_not_replaced(tmp_path, db):
    load_paths(db, [put(tmp_path, "visits_2021-05.csv", VISITS)])
    june = VISITS.replace("31/05/2021,02/06/2021", "30/06/2021,02/07/2021")
    load_paths(
        db,
        [put(tmp_path, "visits_2021-06.csv", june.replace("/05/", "/06/").replace("-05-", "-06-"))],
    )
    assert rows(db, "SELECT month, count(*) FROM visits GROUP BY month ORDER BY month") == [
        (date(2021, 5, 1), 3),
        (date(2021, 6, 1), 3),
    ]


BAD_FILES = [
    # (name, content bytes, words the reason must contain)
    (
        "visits_2021-05.csv",
        VISITS.replace("plan_type", "plan").replace(",plan,", ",x,").encode(),
        "Required column(s) missing: plan_type",
    ),
    (
        "visits_2021-05.csv",
        VISITS.replace(",CP,", ",XX,").encode(),
        "plan_type has a value that is not one of CIN, CP, CLA",
    ),
    (
        "icpc_2021-04.csv",
        ICPC.replace("01/04/2021", "31/02/2021").encode(),
        "strategy_date has values that are not real dates",
    ),
    (
        "icpc_2021-04.csv",
        ICPC.replace("2021-04-06", "2031-04-06").encode(),
        "later than the return month allows",
    ),
    ("icpc_2021-04.csv", ICPC.replace("2021-04-06", "1999-04-06").encode(), "before 2000"),
    (
        "icpc_2021-04.csv",
        ICPC.replace("22/04/2021", "30/03/2021").encode(),
        "icpc_date is before strategy_date",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace(",1,N,27", ",0,N,27").encode(),
        "fte is out of range",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace(",1,N,27", ",1.5,N,27").encode(),
        "fte is out of range",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace("N,27", "N,27.5").encode(),
        "caseload has values that are not whole numbers",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace("N,27", "N,-1").encode(),
        "caseload is out of range",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace("N,27", "N,lots").encode(),
        "caseload has values that are not whole numbers",
    ),
    (
        "caseloads_2021-05.csv",
        CASELOADS.replace("W2,", "W1,").encode(),
        "worker_id appears on more than one row",
    ),
    ("icpc_2021-04.csv", (ICPC + ICPC.split("\n")[1] + "\n").encode(), "Exact duplicate rows"),
    ("visits_2021-05.csv", VISITS.replace("C1,", ",").encode(), "child_id must not be blank"),
    ("visits_2021-05.csv", b"", "The file is empty"),
    ("visits_2021-05.csv", VISITS.split("\n")[0].encode() + b"\n", "header but no rows"),
    ("visits_2021-05.csv", b"\x00\x01PNG\x00binary" * 50, "not a text CSV"),
    (
        "visits_2021-05.csv",
        VISITS.replace(",Y,Y\n", ",Y,Y,extra\n").encode(),
        "do not have 8 cells",
    ),
    ("report.csv", b"a,b,c\n1,2,3\n", "Could not tell which return"),
    ("visits_2021-05.xlsx", b"not really a workbook", "not a valid .xlsx"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES, ids=[b[2][:40] for b in BAD_FILES])
def test_bad_file_is_rejected_with_reason_and_changes_nothing(tmp_path, db, name, data, reason):
    load_paths(db, [put(tmp_path / "good", "caseloads_2021-04.csv", CASELOADS)])
    before = table_checksums(db)
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    bad.write_bytes(data)
    [result] = load_paths(db, [bad])
    assert result.status == "rejected"
    text = result.report.to_text()
    assert reason in text
    assert table_checksums(db) == before
    # kept aside with a readable report, and logged; the file itself only when it was known
    # to be a declared return (tests/test_unidentified_files.py)
    assert result.kept_at.parent == db.parent / "rejected"
    assert result.kept_at.exists() == (result.not_kept is None)
    report = json.loads(Path(str(result.kept_at) + ".report.json").read_text())
    assert report["accepted"] is False and report["problems"]
    assert rows(db, "SELECT status FROM load_log ORDER BY load_id DESC LIMIT 1") == [("rejected",)]


def test_report_gives_row_numbers_and_never_identifier_values(tmp_path, db):
    text = VISITS.replace("C2,Safeguarding 1,W1,CIN", "SECRET-ID,Safeguarding 1,W1,XX")
    [result] = load_paths(db, [put(tmp_path, "visits_2021-05.csv", text)])
    [problem] = result.report.problems
    assert problem.column == "plan_type"
    assert problem.rows_affected == 1 and problem.example_rows == [3]  # header is row 1
    assert "SECRET-ID" not in result.report.to_json()


@pytest.mark.parametrize(
    ("heading", "what"),
    [("Child name", "a name"), ("DOB", "a date of birth"), ("NHS number", "an NHS number"),
     ("Postcode", "a postcode")],
)  # fmt: skip
def test_personal_columns_are_dropped_named_and_never_stored(tmp_path, db, heading, what):
    secret = "ZZ99 7XQ-SECRET"
    lines = ICPC.splitlines()
    text = "\n".join([f"{lines[0]},{heading}", *(f"{row},{secret}" for row in lines[1:])]) + "\n"
    [result] = load_paths(db, [put(tmp_path, "icpc_2021-04.csv", text)])
    assert result.status == "loaded", result.report.to_text()
    assert f"{heading}: personal data ({what}), not stored" in result.report.to_text()
    assert secret not in result.report.to_json()
    assert secret.encode() not in db.read_bytes()


def test_extra_harmless_column_is_dropped_with_a_warning(tmp_path, db):
    text = "\n".join(line + (",x" if i else "") for i, line in enumerate(ICPC.strip().split("\n")))
    text = text.replace("icpc_date", "icpc_date,Notes", 1) + "\n"
    [result] = load_paths(db, [put(tmp_path, "icpc_2021-04.csv", text)])
    assert result.status == "loaded"
    assert any("'Notes'" in w.message for w in result.report.warnings)
    assert "notes" not in [r[0] for r in rows(db, "DESCRIBE icpc")]


def test_demo_and_real_loads_never_share_a_store(tmp_path, db):
    path = put(tmp_path, "icpc_2021-04.csv", ICPC)
    [first] = load_paths(db, [path], kind="demo", source="demo")
    assert first.status == "loaded"
    other = put(tmp_path, "visits_2021-05.csv", VISITS)
    [result] = load_paths(db, [other], kind="real")
    assert result.status == "rejected"
    assert "demo data" in result.report.to_text()
    assert rows(db, "SELECT count(*) FROM visits") == [(0,)]


def test_file_name_cannot_choose_where_files_are_written(tmp_path, db):
    fc = check_file("../../etc/visits_2021-05.csv", VISITS.encode())
    assert fc.file_name == "visits_2021-05.csv"
    fc = check_file("..\\..\\x; rm -rf $(HOME).csv", b"a,b\n1,2\n")
    assert "/" not in fc.file_name and "\\" not in fc.file_name and "$" not in fc.file_name


def test_a_declared_column_that_is_absent_is_refused_not_read_as_blank(tmp_path, db):
    # No last_supervision_date column at all: "column missing", never "0 % supervised".
    text = "child_id,team,worker_id,plan_type\nC1,Team A,W1,CP\nC2,Team A,W1,CIN\n"
    [result] = load_paths(db, [put(tmp_path, "supervision_2021-05.csv", text)])
    assert result.status == "rejected"
    [problem] = result.report.problems
    assert problem.check == "required_columns"
    assert "last_supervision_date" in problem.message
    # Blank cells in that column stay allowed.
    text = "child_id,team,worker_id,plan_type,last_supervision_date\nC1,Team A,W1,CP,\n"
    [result] = load_paths(db, [put(tmp_path / "b", "supervision_2021-05.csv", text)])
    assert result.status == "loaded", result.report.to_text()
    # A column declared optional may be left out: ICPC without icpc_not_required loads.
    [result] = load_paths(db, [put(tmp_path / "c", "icpc_2021-04.csv", ICPC)])
    assert result.status == "loaded" and "icpc_not_required" not in ICPC


def test_a_store_made_before_a_return_was_declared_is_read_with_its_table_added(tmp_path, db):
    """A council's store from the version before child protection plans and reviews were
    declared: the overview's summary (whose SQL names every declared return) read it with
    DuckDB's Catalog Error. Now the first reader adds the empty tables, and the figures
    already loaded are unchanged."""
    [result] = load_paths(db, [put(tmp_path, "caseloads_2021-05.csv", CASELOADS)])
    assert result.status == "loaded"
    with store.open_writer(db) as con:  # as the older version left it
        con.execute("DROP TABLE cp_reviews")
        con.execute("DROP TABLE cp_plans")
    with duckdb.connect(str(store.snapshot_path(db)), read_only=True) as con:
        before = con.execute("SELECT kpi, team, value FROM kpi_values ORDER BY ALL").fetchall()
    result = summary(db, date(2021, 5, 1))  # the first reader: raised CatalogException
    assert result.lines
    assert rows(db, "SELECT count(*) FROM cp_reviews") == [(0,)]
    assert rows(db, "SELECT kpi, team, value FROM kpi_values ORDER BY ALL") == before
