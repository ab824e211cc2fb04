"""Files in real formats the loader does not take are refused by name, with what to send instead.

The real files (the DfE's published
statistics and statistical-neighbour tables) are other projects' fixtures and the DfE's own
downloads, kept byte for byte in the shared real-formats folder. Each goes through the CLI
exactly as an analyst would run it, and must leave no row of any return in the store. The
binary formats (Parquet, .xls, PDF, .ods, .docx) are made here, in temporary folders.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from etl.read.reader import read_return
from etl.report import FileRejected
from etl.returns import all_returns, get_return
from etl.sources.formats import refuse_foreign
from etl.write.load import check_file
from tests.conftest import REAL_FORMATS as REAL

ROOT = Path(__file__).resolve().parent.parent
if not REAL.is_dir():
    pytest.skip(f"real-format files not found in {REAL}", allow_module_level=True)

EES_WORDS = ("DfE published statistics file", "explore education statistics")
SN_WORDS = ("DfE's statistical neighbours table",)
SN_FIX = ("python -m etl import-neighbours", "la_code in config/council.yaml")
#: Every real file the loader refuses: (words its message holds, words its fix holds).
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dfe-cscoe__New_Statistical_Neighbour_Groupings_April_2021.csv": (SN_WORDS, SN_FIX),
    "dfe-cscoe__sn_model_2025_wide.csv": (SN_WORDS, SN_FIX),
    **{
        f"dfe-cscoe__{stem}.csv": (EES_WORDS, (f"python -m etl import-ees dfe-cscoe__{stem}.csv",))
        for stem in (
            "b1_children_in_need_2013_to_2025",
            "c1_children_in_need_referrals_and_rereferrals_2013_to_2025",
            "c4_children_in_need_section_47s_and_icpcs_2013_to_2025",
            "csww_indicators_2017_to_2025",
            "d3_cpps_subsequent_plan_2013_to_2025",
            "la_care_leavers_accommodation_suitability",
            "la_cla_swcount",
        )
    },
}
#: Every DfE table in the folder: the table's name as config/ees_indicators.yaml gives it, and
#: the KPIs import-ees takes from it (none: refused, saying why no KPI uses it).
EES_TABLES = {
    "dfe-cscoe__b1_children_in_need_2013_to_2025.csv": ("table B1", ()),
    "dfe-cscoe__c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv": (
        "table C1",
        ("rereferrals_12m_pct",),
    ),
    "dfe-cscoe__c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv": (
        "table C4",
        ("icpc_within_15wd_pct",),
    ),
    "dfe-cscoe__csww_indicators_2017_to_2025.csv": (
        "social work workforce",
        (
            "caseload_avg_per_fte",
            "agency_worker_pct",
            "workforce_turnover_pct",
            "workforce_vacancy_pct",
        ),
    ),
    "dfe-cscoe__d3_cpps_subsequent_plan_2013_to_2025.csv": (
        "table D3",
        ("cp_plan_second_or_subsequent_pct",),
    ),
    "dfe-cscoe__la_care_leavers_accommodation_suitability.csv": (
        "accommodation",
        ("care_leavers_suitable_accommodation_pct",),
    ),
    "dfe-cscoe__la_cla_swcount.csv": (
        "number of social workers",
        ("cla_3plus_social_workers_pct",),
    ),
}
EES_FILES = sorted(name for name, (words, _) in EXPECTED.items() if words == EES_WORDS)


def _etl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "etl", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _return_rows(db: Path) -> dict[str, int]:
    """Rows held by each return's table in the master store (a table not made yet holds 0)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        return {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            if name in tables
            else 0
            for name in all_returns()
        }
    finally:
        con.close()


def _load_log(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT status, reason FROM load_log ORDER BY load_id").fetchall()
    finally:
        con.close()


#: Real files the loader reads (tests/test_annex_a.py, tests/test_cin_census.py,
#: tests/test_ssda903_real.py).
LOADED = {
    "sf-liiatools__Annex_A.xlsx",
    "sf-liiatools__cin-2022.xml",
    "sf-liiatools__social_work_workforce_2022.xml",
}


def test_every_real_file_but_those_loaded_has_an_expectation() -> None:
    present = {p.name for p in REAL.iterdir() if p.name != "README.md"}
    ssda903 = {n for n in present if n.startswith(("d2i-903__", "sf-liiapipeline__SSDA903"))}
    assert present - LOADED - ssda903 == set(EXPECTED)


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_real_file_loaded_through_the_cli_is_refused_by_its_real_name(
    file_name: str, tmp_path: Path
) -> None:
    db = tmp_path / "x.duckdb"
    done = _etl("load", "--db", db, REAL / file_name)
    assert done.returncode == 1, done.stdout + done.stderr  # 1: a file was rejected
    message_words, fix_words = EXPECTED[file_name]
    out = done.stdout
    assert f"{file_name}: REJECTED" in out
    for words in (*message_words, *fix_words):
        assert words in out, f"{words!r} not in:\n{out}"
    # The misleading refusals it used to get are gone.
    assert "Name the file <return>_<YYYY-MM>.csv" not in out
    assert "Required column(s) missing" not in out
    assert "1 file(s): 0 loaded, 0 unchanged, 1 rejected." in out
    assert _return_rows(db) == dict.fromkeys(all_returns(), 0)
    ((status, reason),) = _load_log(db)
    assert status == "rejected"
    assert message_words[0] in reason


@pytest.mark.parametrize("file_name", EES_FILES)
def test_ees_file_load_advice_agrees_with_what_import_ees_does(
    file_name: str, tmp_path: Path
) -> None:
    """``etl load`` sends an EES file to ``import-ees`` and says whether its table is mapped;
    ``import-ees`` then does what that advice said (tables not mapped yet are refused there)."""
    db = tmp_path / "x.duckdb"
    advice = _etl("load", "--db", db, REAL / file_name).stdout
    imported = _etl("import-ees", "--db", db, REAL / file_name)
    table, kpis = EES_TABLES[file_name]
    assert table in advice and table in imported.stdout + imported.stderr
    taken = re.search(r"it takes (.+?) from this table", advice)
    if kpis:
        assert taken and taken[1] == ", ".join(kpis)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert f"benchmark figure(s) for {taken[1]}." in imported.stdout
        assert "1 file(s): 1 loaded, 0 unchanged, 0 rejected." in imported.stdout
        assert _return_rows(db)["benchmarks"] > 0
    else:
        assert taken is None and "which import-ees refuses: " in advice
        assert imported.returncode == 1
        assert "It is not imported: " in imported.stderr and "no KPI" in imported.stderr
        assert _return_rows(db) == dict.fromkeys(all_returns(), 0)


def _refusal(name: str, data: bytes) -> tuple[str, str]:
    with pytest.raises(FileRejected) as caught:
        refuse_foreign(name, data[: 1 << 16])
    assert caught.value.finding.check == "file_format"
    return caught.value.finding.message, caught.value.finding.fix


def test_parquet_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "caseloads_2021-05.parquet"
    pq.write_table(pa.table({"worker_id": ["W1"], "caseload": [12]}), path)
    message, fix = _refusal(path.name, path.read_bytes())
    assert message == "This is a Parquet file, not a return"
    assert "CSV" in fix


def test_old_binary_excel_is_told_to_save_as_xlsx() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    message, fix = _refusal("visits_2021-05.xls", ole)
    assert "Excel 97–2003 workbook (.xls" in message
    assert "save it as .xlsx" in fix


def test_password_protected_workbook_is_told_to_remove_the_password() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000) + "EncryptedPackage".encode("utf-16-le")
    message, fix = _refusal("visits_2021-05.xlsx", ole)
    assert "password-protected" in message
    assert "Remove the password" in fix


def test_pdf_is_refused_by_name() -> None:
    message, _ = _refusal("board_report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert message.startswith("This is a PDF document, not a return")


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Root><Item id="1"/></Root>\n',
        b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title></feed>",
    ],
)
def test_other_xml_is_an_xml_file_not_a_return(xml: bytes) -> None:
    message, fix = _refusal("export.xml", xml)
    assert message == "This is an XML file, not a return"
    assert "as CSV or .xlsx" in fix


def test_cin_census_saved_as_utf16_is_still_read_as_the_census() -> None:
    text = (REAL / "sf-liiatools__cin-2022.xml").read_text(encoding="utf-8")
    fc = check_file("cin.xml", text.encode("utf-16"))
    # Read as the census (its header's LEA is checked against the council's la_code).
    assert "children in need census is for LA 201" in fc.report.problems[0].message


def test_html_table_named_as_a_workbook_is_called_a_web_page() -> None:
    message, fix = _refusal("visits_2021-05.xls", b"<HTML><body><table><tr><td>1</td></tr>")
    assert message.startswith("This is a web page (HTML)")
    assert ".xlsx" in fix


def _zip(first: str, text: str, method: int, *rest: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(first, text, compress_type=method)
        for name in rest:
            zf.writestr(name, "<x/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_opendocument_spreadsheet_is_told_to_save_as_xlsx() -> None:
    ods = _zip(
        "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED, "c.xml"
    )
    message, fix = _refusal("visits_2021-05.ods", ods)
    assert message.startswith("This is an OpenDocument spreadsheet (.ods)")
    assert "save it as .xlsx" in fix


def test_word_document_is_refused_by_name() -> None:
    types = (
        '<Types><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    docx = _zip("[Content_Types].xml", types, zipfile.ZIP_DEFLATED, "word/document.xml")
    message, _ = _refusal("visits_2021-05.docx", docx)
    assert message == "This is a Word document (.docx), not a return"


def test_ees_header_in_windows_1252_is_recognised() -> None:
    data = "time_period,time_identifier,geographic_level,la_name\n2021,Reporting year,LA,Brí\n"
    message, _ = _refusal("ees.csv", data.encode("cp1252"))
    assert message.startswith("This is a DfE published statistics file")


def test_a_foreign_upload_is_refused_by_the_reader_before_it_is_read_as_a_return() -> None:
    with pytest.raises(FileRejected) as caught:
        read_return("caseloads_2021-05.pdf", b"%PDF-1.4\n")
    assert caught.value.finding.check == "file_format"


def test_a_genuine_return_csv_is_not_refused() -> None:
    columns = get_return("caseloads").column_names
    csv_text = ",".join(columns) + "\nW1,Team A,QSW,1,N,14\n"
    assert refuse_foreign("caseloads_2021-05.csv", csv_text.encode("utf-8-sig")) is None
    utf16 = "Worker ID,Team\nW1,Team £\n".encode("utf-16")
    assert refuse_foreign("caseloads_2021-05.csv", utf16) is None


def test_a_genuine_xlsx_is_not_refused(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(get_return("caseloads").column_names)
    wb.active.append(["W1", "Team A", "QSW", 1, "N", 14])
    path = tmp_path / "caseloads_2021-05.xlsx"
    wb.save(path)  # openpyxl writes docProps first
    assert refuse_foreign(path.name, path.read_bytes()) is None
    # Excel writes [Content_Types].xml first: a spreadsheet's content types are not foreign.
    annex = (REAL / "sf-liiatools__Annex_A.xlsx").read_bytes()
    assert zipfile.ZipFile(io.BytesIO(annex)).namelist()[0] == "[Content_Types].xml"
    assert refuse_foreign("Annex_A.xlsx", annex) is None
