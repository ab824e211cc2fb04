"""The Ofsted Annex A workbook, loaded as a council exports it, counted as inspectors count.

Workbooks are built here with openpyxl the way the Ofsted template and councils' exports lay
them out (a title row above the headings, sheets named ``List_5``, date cells, trailing spaces
and curly quotes in headings, option letters such as "a) Yes"), then loaded through the real
loader into a real DuckDB store and read back through the metrics API.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from etl.write import store
from etl.write.load import load_paths
from metrics import api
from tests.conftest import REAL_FORMATS as REAL

REAL_ANNEX_A = REAL / "sf-liiatools__Annex_A.xlsx"
COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LIST5 = [
    *COMMON,
    "Does the Child have a Disability",
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary? ",  # trailing space
    "Date of Initial Child Protection Conference",
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "Allocated Team",
    "Allocated Worker",
]
#: Values that must never reach the store, a staged file, a kept copy, a log or the audit.
DOB = datetime(2014, 7, 23)
DOB_TEXTS = ("2014-07-23", "23/07/2014", "2014-07-23 00:00:00")
POSTCODE = "ZZ99 3QX"
WORKER = "Marguerite Oyelaran-Smith"


def d(text: str) -> datetime:
    """A date cell, as Excel stores it."""
    return datetime.fromisoformat(text)


def list5_row(child: str, strategy: str, not_required: str, icpc: str | None, team: str) -> list:
    return [
        child, "a) Male", "a) WBRI", DOB, 6, "b) No", d(strategy), not_required,
        d(icpc) if icpc else None, "", team, WORKER,
    ]  # fmt: skip


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> Path:
    """A workbook with a title row above each list's headings, as the Ofsted template has."""
    wb = Workbook()
    wb.remove(wb.active)
    front = wb.create_sheet("Front_Sheet")
    front.append(["Annex A", "Northmoor Borough Council (fictional)"])
    for name, (headers, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"{name.replace('_', ' ')}: as the Ofsted template titles it"])
        ws.append(headers)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


#: List 5 across Easter 2021 (Good Friday 2 April, Easter Monday 5 April), list date Friday
#: 30 April 2021 (the month's last day, so April is a whole month and is filled).
EASTER_LIST5 = [
    # Thu 25 Mar -> Thu 15 Apr: 26 Mar (1), 29 Mar-1 Apr (4), 6-9 Apr (4), 12-15 (4) = 13: in
    list5_row("A1", "2021-03-25", "No", "2021-04-15", "Team A"),
    # Fri 19 Mar -> Tue 13 Apr: 22-26 Mar (5), 29 Mar-1 Apr (4), 6-9 (4), 12-13 (2) = 15: in
    # time only because Easter is skipped (17 if it were counted)
    list5_row("A2", "2021-03-19", "b) No", "2021-04-13", "Team A"),
    # Thu 18 Mar -> Tue 13 Apr: 19 Mar (1) + 15 = 16: late
    list5_row("A3", "2021-03-18", "No", "2021-04-13", "Team B"),
    # conference deemed unnecessary: in no ICPC figure (both in April's rows and March's)
    list5_row("A4", "2021-04-01", "a) Yes", None, "Team B"),
    list5_row("A5", "2021-03-10", "Yes", None, "Team A"),
    # awaiting at Fri 30 Apr, after Thu 1 Apr: 6-9 (4), 12-30 (15) = 19 > 15: overdue
    list5_row("A6", "2021-04-01", "No", None, "Team B"),
    # awaiting at 30 Apr, after Tue 20 Apr: 21-23 (3), 26-30 (5) = 8: not yet overdue
    list5_row("A7", "2021-04-20", "", None, ""),  # no team: "Team not recorded"
]
APRIL, MARCH = date(2021, 4, 1), date(2021, 3, 1)


def _value(db: Path, kpi: str, month: date, team: str = "ALL") -> float:
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, frame
    return frame["value"].iloc[0]


@pytest.fixture
def pseudonym_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = tmp_path / "keys" / "pseudonym.key"
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(key))
    return key


def test_list5_across_easter_counts_as_inspectors_count(tmp_path: Path, pseudonym_key) -> None:
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", {"List_5": (LIST5, EASTER_LIST5)})
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    # From the first conference held (13 April) to the list date: April only. March would
    # miss the conferences held then for enquiries started before the list's period.
    assert api.months(db) == [APRIL]
    # April: held in April A1, A2, A3 (not A4, A5: deemed unnecessary); in time A1, A2.
    assert _value(db, "icpc_within_15wd_pct", APRIL) == pytest.approx(200 / 3)
    assert _value(db, "icpc_within_15wd_pct", APRIL, "Team A") == 100.0  # A1, A2
    assert _value(db, "icpc_within_15wd_pct", APRIL, "Team B") == 0.0  # A3
    # Overdue at 30 April: A6 only (A4 deemed unnecessary is never awaiting; A7 at 8 days).
    assert _value(db, "icpc_awaiting_overdue", APRIL) == 1
    assert "Team not recorded" in api.teams(db)


def test_list_date_unknown_is_a_question_not_a_guess(tmp_path: Path, pseudonym_key) -> None:
    book = write_workbook(tmp_path / "annex a.xlsx", {"List 5": (LIST5, EASTER_LIST5)})
    db = tmp_path / "csc.duckdb"
    [refused] = load_paths(db, [book])
    assert refused.status == "rejected"
    [problem] = refused.report.problems
    assert problem.check == "list_date_known" and "--as-at" in problem.fix
    [loaded] = load_paths(db, [book], as_at=date(2021, 4, 30))
    assert loaded.status == "loaded"


def test_six_month_list_fills_six_months_and_a_monthly_return_needs_replace(
    tmp_path: Path, pseudonym_key
) -> None:
    # One conference a month, October 2021 - March 2022, each held 10 days after its
    # strategy discussion; list date 31 March 2022.
    rows = [
        list5_row(f"S{m}", f"{y}-{m:02d}-03", "No", f"{y}-{m:02d}-13", "Team A")
        for y, m in [(2021, 10), (2021, 11), (2021, 12), (2022, 1), (2022, 2), (2022, 3)]
    ]
    book = write_workbook(
        tmp_path / "annex_a_20220331.xlsx", {"List 5 - Section 47": (LIST5, rows)}
    )
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    months = [date(2021, m, 1) for m in (10, 11, 12)] + [date(2022, m, 1) for m in (1, 2, 3)]
    assert api.months(db) == months
    assert "6 month(s)" in result.message
    [summary] = [line for line in result.report.lists if line.startswith("List 5")]
    assert "6 rows read, 6 used" in summary and "October 2021 – March 2022" in summary
    before = _value(db, "icpc_within_15wd_pct", date(2022, 1, 1))
    assert before == 100.0  # S1 held 13 Jan, 7 working days after 3 Jan (4-7, 10-12)

    monthly = tmp_path / "icpc_2022-01.csv"
    # Mon 3 Jan 2022 was the New Year substitute bank holiday; after Tue 4 Jan to Wed 26 Jan:
    # 5-7 (3), 10-14, 17-21 (10), 24-26 (3) = 16 working days: late.
    monthly.write_text("child_id,team,strategy_date,icpc_date\nM1,Team A,04/01/2022,26/01/2022\n")
    [refused] = load_paths(db, [monthly])
    assert refused.status == "rejected"
    [problem] = refused.report.problems
    assert problem.check == "month_source_conflict"
    assert "annex_a_20220331.xlsx" in problem.message and "January 2022" in problem.message
    assert _value(db, "icpc_within_15wd_pct", date(2022, 1, 1)) == before  # nothing changed

    [replaced] = load_paths(db, [monthly], replace=True)
    assert replaced.status == "replaced"
    assert _value(db, "icpc_within_15wd_pct", date(2022, 1, 1)) == 0.0  # M1 only, late
    # The workbook again would now replace the monthly return's January: refused by name.
    [again] = load_paths(db, [book])
    assert again.status == "rejected"
    assert "icpc_2022-01.csv" in again.report.problems[0].message


def test_a_list_taken_mid_month_does_not_fill_that_month(tmp_path: Path, pseudonym_key) -> None:
    rows = [list5_row("P1", "2021-03-01", "No", "2021-03-12", "Team A")]
    # An enquiry started long before the list's period, still awaiting: it must not make the
    # list claim 2019.
    rows.append(list5_row("P0", "2019-06-03", "No", None, "Team A"))
    rows.append(list5_row("P2", "2021-04-06", "No", "2021-04-12", "Team A"))
    book = write_workbook(tmp_path / "Annex A 15.04.2021.xlsx", {"List_5": (LIST5, rows)})
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    assert api.months(db) == [MARCH]  # 15 April says nothing of late April


VISITS_LISTS = {
    "List 6": (
        [*COMMON, "CIN Start Date", "Date Child Was Last Seen", "CIN Closure Date",
         "Allocated Team", "Allocated Worker"],
        # CIN, 20 working days before Fri 30 Apr 2021: after Wed 31 Mar = 20: in time
        [["N1", "b) Female", "a) WBRI", DOB, 6, d("2020-01-01"), d("2021-03-31"), None,
          "Team A", WORKER],
         # after Tue 30 Mar = 21: out of time
         ["N2", "b) Female", "a) WBRI", DOB, 6, d("2020-01-01"), d("2021-03-30"), None,
          "Team A", "#N/A"]],
    ),
    "List 7": (
        [*COMMON, "Child Protection Plan Start Date", "Date of the Last Statutory Visit",
         "Was the Child Seen Alone?", "Child Protection Plan End Date", "Allocated Team",
         "Allocated Worker"],
        # CP, 10 working days: after Fri 16 Apr = 10: in time; after Thu 15 Apr = 11: out
        [["P1", "a) Male", "a) WBRI", DOB, 6, d("2021-01-04"), d("2021-04-16"), "a) Yes", None,
          "Team B", WORKER],
         ["P2", "a) Male", "a) WBRI", DOB, 6, d("2021-01-04"), d("2021-04-15"), "b) No", None,
          "Team B", WORKER]],
    ),
    "List 8": (
        [*COMMON, "Date Started to be Looked After", "Date of Last Social Work Visit",
         "Date Ceased to be Looked After ", "Placement postcode", "Allocated Team",
         "Allocated Worker"],
        # CLA, 42 days: 19 Mar is 42 days before 30 Apr: in time; closed child: in no figure
        [["L1", "a) Male", "a) WBRI", DOB, 6, d("2019-01-04"), d("2021-03-19"), None, POSTCODE,
          "Team B", WORKER],
         ["L2", "a) Male", "a) WBRI", DOB, 6, d("2019-01-04"), d("2021-02-01"),
          d("2021-04-10"), POSTCODE, "Team B", WORKER]],
    ),
}  # fmt: skip


def test_lists_6_7_8_give_visits_as_at_the_list_date(tmp_path: Path, pseudonym_key) -> None:
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", VISITS_LISTS)
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    # Open at 30 April: N1 in, N2 out, P1 in, P2 out, L1 in (L2 closed 10 April) = 3 of 5.
    assert _value(db, "visits_asat_in_timescale_pct", APRIL) == pytest.approx(60.0)
    assert _value(db, "visits_asat_in_timescale_pct", APRIL, "Team A") == pytest.approx(50.0)
    lines = "\n".join(result.report.lists)
    assert "List 8 → visits_asat: 2 rows read, 2 used" in lines
    assert "Placement postcode (personal data)" in lines
    con = store.open_reader(db)
    try:
        workers = {r[0] for r in con.execute("SELECT worker_id FROM visits_asat").fetchall()}
    finally:
        con.close()
    # One worker, one pseudonym, across lists; the #N/A cell is blank (no worker).
    assert len(workers - {None}) == 1 and None in workers
    assert all(w is None or w.startswith("P-") for w in workers)


def test_nothing_personal_is_kept_anywhere(
    tmp_path: Path,
    pseudonym_key,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Load one workbook and refuse another (no list date), by the drop folder's path and
    the CLI: no date of birth, postcode or worker name is in the store, its snapshot, staged
    or kept files, the load log, the audit or anything printed or logged."""
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))  # staged rows land here
    db = tmp_path / "store" / "csc.duckdb"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sheets = {**VISITS_LISTS, "List_5": (LIST5, EASTER_LIST5)}
    good = write_workbook(inbox / "Annex_A_2021-04-30.xlsx", sheets)
    bad = write_workbook(inbox / "annex_a_undated.xlsx", sheets)
    cli = write_workbook(tmp_path / "annex_a_cli.xlsx", sheets)
    results = load_paths(db, [good, bad], move_to_processed=True)
    assert [r.status for r in results] == ["loaded", "rejected"]
    subprocess.run([sys.executable, "-m", "etl", "load", "--db", str(db), str(cli)], check=False)
    files = [p for folder in (db.parent, staging, inbox) for p in folder.rglob("*") if p.is_file()]
    everything = b"".join(p.read_bytes() for p in files)
    out, err = capfd.readouterr()
    everything += (out + err + caplog.text).encode()
    for secret in (*DOB_TEXTS, POSTCODE, WORKER, "Oyelaran"):
        assert secret.encode() not in everything, secret
    for folder in ("rejected", "processed"):
        kept = [p.name for p in (db.parent / folder).iterdir()]
        assert kept and all(name.endswith(".report.json") for name in kept), kept


def test_the_published_liiatools_workbook_loads_with_its_list_date(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    run = [sys.executable, "-m", "etl", "load", "--db", str(db), str(REAL_ANNEX_A)]
    env = {"CSC_PSEUDONYM_KEY": str(tmp_path / "k"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 1
    assert "Annex A workbook" in first.stdout and "--as-at" in first.stdout
    second = subprocess.run(
        [*run, "--as-at", "2021-03-31"], capture_output=True, text=True, env=env, check=False
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert "List 3 → referrals: 6 rows read, 6 used" in second.stdout
    assert "List 4 → assessments: 5 rows read, 5 used" in second.stdout
    # Two enquiries needing no conference were started in September 2020, before the first
    # conference in the list (5 October 2020): they fall in no month the list fills.
    assert "List 5 → icpc: 5 rows read, 3 used (2 fall in no month filled)" in second.stdout
    # The pre-2023 List 9: no pathway plan review dates or personal advisers, still used.
    assert "List 9 → care_leavers: 6 rows read, 6 used" in second.stdout
    assert "List 11: not used by the dashboard" in second.stdout
    assert "Placement postcode (personal data)" in second.stdout
    for name in ("Delta", "Hazlett", "Defore", "Jae Vang", "Eugene Swift", "T28 2WB"):
        assert name.encode() not in db.read_bytes()


#: The Ofsted template of 2019, the one ChAT was built on: List 5 has no Allocated Team or
#: Allocated Worker columns.
LIST5_2019 = LIST5[:-2]


def test_the_2019_template_list_5_loads_for_the_whole_council(
    tmp_path: Path, pseudonym_key
) -> None:
    rows = [row[:-2] for row in EASTER_LIST5]
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", {"List_5": (LIST5_2019, rows)})
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    # The same figures as the 2020 template's for the council (A1, A2 in time; A3 late):
    assert _value(db, "icpc_within_15wd_pct", APRIL) == pytest.approx(200 / 3)
    assert api.teams(db) == ["Team not recorded"]
    lines = "\n".join(result.report.lists)
    assert "List 5 (sheet List_5) → icpc: 7 rows read" in lines
    assert "team not recorded (no Allocated Team column)" in lines
    [said] = [w for w in result.report.warnings if w.check == "column_not_recorded"]
    assert "load for the whole council, team 'Team not recorded'" in said.message


#: Lists 3-5 complete; List 6 in the workbook but empty, without its visit columns.
LIST3 = [*COMMON, "Date of Referral", "Number of Referrals in Last 12 Months", "Allocated Team"]
LIST3_ROWS = [["R1", "a) Male", "a) WBRI", DOB, 6, d("2021-04-06"), 1, "Team A"]]
LIST6_BARE = [*COMMON, "CIN Start Date", "Allocated Team", "Allocated Worker"]


def _count(db: Path, table: str) -> int:
    con = store.open_reader(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_an_empty_list_never_refuses_the_workbook(tmp_path: Path, pseudonym_key) -> None:
    sheets = {
        "List 3": (LIST3, LIST3_ROWS),
        "List 5": (LIST5, EASTER_LIST5),
        "List 6": (LIST6_BARE, []),
    }
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", sheets)
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    lines = "\n".join(result.report.lists)
    assert "List 6 → visits_asat: not used: the list has no rows" in lines
    assert "List 3 → referrals: 1 rows read, 1 used" in lines
    assert (_count(db, "referrals"), _count(db, "visits_asat")) == (1, 0)


def test_a_list_without_a_needed_column_is_not_used_and_the_rest_loads(
    tmp_path: Path, pseudonym_key
) -> None:
    """List 6 with rows but no "Date Child Was Last Seen": the visits measure cannot use it."""
    list6 = [["N1", "b) Female", "a) WBRI", DOB, 6, d("2020-01-01"), "Team A", WORKER]]
    sheets = {"List 5": (LIST5, EASTER_LIST5), "List 6": (LIST6_BARE, list6)}
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", sheets)
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "loaded", result.report.to_text()
    lines = "\n".join(result.report.lists)
    assert "List 6 → visits_asat: not used: required column(s) missing: last_visit_date" in lines
    [why] = [w for w in result.report.warnings if w.check == "annex_list_not_used"]
    assert why.message.startswith("List 6 (Children in need) was not used")
    assert _count(db, "icpc") > 0 and _count(db, "visits_asat") == 0


def test_a_workbook_stays_one_transaction(tmp_path: Path, pseudonym_key) -> None:
    """A bad row in List 5 refuses the whole workbook: List 3's good referral is not stored."""
    bad = [*EASTER_LIST5, list5_row("A8", "2021-04-20", "No", "2021-04-10", "Team A")]
    sheets = {"List 3": (LIST3, LIST3_ROWS), "List 5": (LIST5, bad)}
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", sheets)
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [book])
    assert result.status == "rejected"
    assert any("icpc_date is before strategy_date" in p.message for p in result.report.problems)
    assert _count(db, "referrals") == 0


def test_a_workbook_none_of_whose_lists_can_be_used_is_refused_saying_why(
    tmp_path: Path, pseudonym_key
) -> None:
    book = write_workbook(tmp_path / "Annex_A_2021-04-30.xlsx", {"List 6": (LIST6_BARE, [])})
    [result] = load_paths(tmp_path / "csc.duckdb", [book])
    assert result.status == "rejected"
    [problem] = result.report.problems
    assert problem.check == "annex_a_lists"
    assert "List 6: the list has no rows" in problem.message
