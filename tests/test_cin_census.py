"""The CIN census and the workforce census XML, loaded as exported and counted by hand.

Census files are written here as councils' systems export them (``tests/census_xml.py``),
loaded through the real loader into a real DuckDB store, and read back through the metrics
API; the two published fixtures (Social Finance's liia-tools samples) load as published.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.write.load import load_paths
from metrics import api
from tests.census_xml import (
    BIRTH_DATE,
    EXPECTED_BIRTH,
    FORMER_UPN,
    SWE_NUMBER,
    UPN,
    WORKER_BIRTH,
    Episode,
    child,
    cin_census,
    csww_census,
    worker,
    write,
)
from tests.conftest import REAL_FORMATS as REAL

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pseudonym_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = tmp_path / "keys" / "pseudonym.key"
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(key))
    return key


def council_config(tmp_path: Path, la_code: str) -> Path:
    """The council's settings with another ``la_code`` (a published fixture's council)."""
    text = (ROOT / "config" / "council.yaml").read_text("utf-8")
    path = tmp_path / "council.yaml"
    path.write_text(text.replace('la_code: "999"', f'la_code: "{la_code}"'), "utf-8")
    return path


def _value(db: Path, kpi: str, month: date) -> float:
    frame = api.kpi_values(db, [kpi], months=[month], teams=["ALL"])
    assert len(frame) == 1, frame
    return float(frame["value"].iloc[0])


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


#: The census year 2021-22 (Year 2022, reference date 31 March 2022), hand-worked.
HAND_WORKED = [
    # Assessments across Easter 2021 (Good Friday 2 April, Easter Monday 5 April) and the
    # early May bank holiday (Monday 3 May), both started Monday 1 March 2021:
    # working days after 1 Mar: 2-5 Mar (4), 8-26 Mar (15) = 19, 29 Mar-1 Apr (4) = 23,
    # 6-9 Apr (4) = 27, 12-30 Apr (15) = 42, 4-6 May (3) = 45 → Thu 6 May is the 45th
    # working day (in time), Fri 7 May the 46th (late). Counting Easter and 3 May as working
    # days would make 6 May the 48th.
    child("A1", Episode("2021-03-01", assessments=[("2021-03-01", "2021-05-06")])),
    child("A2", Episode("2021-03-01", assessments=[("2021-03-01", "2021-05-07")])),
    # Still open: 42 working days at 30 April (not overdue), at Monday 31 May (the spring
    # bank holiday) 42 + 4-7 May (4) + 10-28 May (15) = 61 > 45 (overdue).
    child("A3", Episode("2021-03-01", assessments=[("2021-03-01", "")])),
    # Section 47s across Christmas 2021 (25/26 December fall on a weekend: Monday 27 and
    # Tuesday 28 December are the bank holidays; New Year's Day's is Monday 3 January 2022),
    # strategy discussion Friday 17 December 2021:
    # 20-24 Dec (5), 29-31 Dec (3) = 8, 4-7 Jan (4) = 12, 10-12 Jan (3) = 15 → a conference
    # on Wednesday 12 January is on the 15th working day (in time); Thursday 13th the 16th.
    child("C1", Episode("2021-12-15", s47s=[("2021-12-17", "2022-01-12", "false")])),
    child("C2", Episode("2021-12-15", s47s=[("2021-12-17", "2022-01-13", "false")])),
    # Awaiting: at 31 December 8 working days (not overdue); at 31 January 8 + 4-7 Jan (4)
    # + 10-31 Jan (16) = 28 > 15 (overdue).
    child("C3", Episode("2021-12-15", s47s=[("2021-12-17", "", "false")])),
    # Conference deemed unnecessary: in no ICPC figure.
    child("C4", Episode("2021-12-15", s47s=[("2021-12-17", "", "true")])),
    # Re-referrals in June 2021: R1 was referred on 15 June 2020, exactly 12 months before
    # 15 June 2021 (within 12 months: a re-referral); R2 on 14 June 2020, 12 months and a
    # day before (not a re-referral). June 2021: 1 re-referral of 2 referrals = 50%.
    child("R1", Episode("2020-06-15", "2020-08-01"), Episode("2021-06-15")),
    child("R2", Episode("2020-06-14", "2020-08-01"), Episode("2021-06-15")),
]


def test_hand_worked_census_counts_as_the_dfe_counts(tmp_path: Path, pseudonym_key) -> None:
    census = write(tmp_path / "cin_census_2022.xml", cin_census(HAND_WORKED))
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [census])
    assert result.status == "loaded", result.report.to_text()
    assert "Referrals, April 2021 – March 2022: 12 month(s)" in result.message
    assert any("whole council" in line for line in result.report.lists)
    assert _value(db, "assessments_within_45wd_pct", date(2021, 5, 1)) == 50.0
    assert _value(db, "assessments_open_overdue", date(2021, 4, 1)) == 0
    assert _value(db, "assessments_open_overdue", date(2021, 5, 1)) == 1
    assert _value(db, "icpc_within_15wd_pct", date(2022, 1, 1)) == 50.0
    assert _value(db, "icpc_awaiting_overdue", date(2021, 12, 1)) == 0
    assert _value(db, "icpc_awaiting_overdue", date(2022, 1, 1)) == 1
    assert _value(db, "rereferrals_12m_pct", date(2021, 6, 1)) == 50.0
    # The census has no team: every row is the whole council's.
    assert _rows(db, "SELECT DISTINCT team FROM referrals") == [("Whole council",)]
    # R1's and R2's referrals of June 2020 are in the file (their history) but in no month
    # it fills; A1-A3 were referred in March 2021, before it. June: R1, R2; December: C1-C4.
    assert _rows(db, "SELECT month, count(*) FROM referrals GROUP BY 1 ORDER BY 1") == [
        (date(2021, 6, 1), 2),
        (date(2021, 12, 1), 4),
    ]


def test_an_impossible_date_sets_the_episode_aside_and_names_child_and_rule(
    tmp_path: Path, pseudonym_key
) -> None:
    bad = [
        # Authorised before it started (DfE rule 8608).
        child("B1", Episode("2021-05-04", assessments=[("2021-05-10", "2021-05-05")])),
        # A referral after the census's reference date (in 2028).
        child("B2", Episode("2028-01-01")),
        # Not a real date.
        child("B3", Episode("2021-02-30")),
    ]
    census = write(tmp_path / "cin_census_2022.xml", cin_census([*HAND_WORKED, *bad]))
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [census])
    assert result.status == "loaded"
    text = result.report.to_text()
    assert (
        "AssessmentAuthorisationDate is before AssessmentActualStartDate (DfE validation rule "
        "8608): 1 episode(s) set aside and not counted — child B1" in text
    )
    assert "CINreferralDate is after the census's reference date" in text and "child B2" in text
    assert "CINreferralDate is not a real date" in text and "child B3" in text
    assert "12 children, 14 referral episodes read, 3 set aside" in text
    # The rest is counted as before; B1's referral (May 2021) is not.
    assert _value(db, "assessments_within_45wd_pct", date(2021, 5, 1)) == 50.0
    assert _rows(db, "SELECT count(*) FROM referrals WHERE month = '2021-05-01'") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM assessments WHERE child_id LIKE 'B%'") == [(0,)]


def test_an_in_year_extract_fills_the_months_up_to_its_date(tmp_path: Path, pseudonym_key) -> None:
    # Reference date 15 January 2022: December is the last whole month it covers.
    census = write(
        tmp_path / "cin_extract.xml", cin_census(HAND_WORKED, reference_date="2022-01-15")
    )
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [census])
    assert result.status == "loaded", result.report.to_text()
    assert "Initial child protection conferences, April 2021 – December 2021: 9 month(s)" in (
        result.message
    )
    # C1, C2 and C3 await a conference at 31 December; C4's is not needed (in its month).
    assert _rows(db, "SELECT count(*) FROM icpc WHERE month = '2021-12-01'") == [(4,)]


def test_months_from_a_monthly_return_need_replace(tmp_path: Path, pseudonym_key) -> None:
    db = tmp_path / "csc.duckdb"
    monthly = tmp_path / "referrals_2021-06.csv"
    monthly.write_text(
        "child_id,team,referral_date,referrals_last_12_months\nM1,Team A,2021-06-02,0\n"
    )
    assert load_paths(db, [monthly])[0].status == "loaded"
    census = write(tmp_path / "cin_census_2022.xml", cin_census(HAND_WORKED))
    [refused] = load_paths(db, [census])
    assert refused.status == "rejected"
    assert "Would replace what the monthly return referrals_2021-06.csv gave" in (
        refused.report.to_text()
    )
    [replaced] = load_paths(db, [census], replace=True)
    assert replaced.status == "replaced"
    assert _rows(db, "SELECT child_id FROM referrals WHERE month = '2021-06-01' ORDER BY 1") == [
        ("R1",),
        ("R2",),
    ]


def test_the_workforce_census_gives_caseloads_at_30_september(
    tmp_path: Path, pseudonym_key
) -> None:
    workers = [
        worker(SWE_NUMBER, "20", role="5"),  # a qualified social worker: QSW
        # Newly qualified (StartOrigin 1), started 1 October 2020, within the 12 months
        # before 30 September 2021: in the ASYE year.
        worker("QX0000000002", "19", role="5", origin="1", start="2020-10-01"),
        # Newly qualified but started 30 September 2020, 12 months before: QSW now.
        worker("QX0000000003", "26", role="5", origin="1", start="2020-09-30"),
        worker("QX0000000004", "10", fte="0.500000", role="3", agency="1"),  # a manager
        worker("QX0000000005", ""),  # no Cases30: not holding cases
        worker("QX0000000006", "12", end="2021-08-31"),  # left before 30 September
        worker("QX0000000007", "12", fte="0"),  # no FTE: set aside
    ]
    census = write(tmp_path / "csww_2021.xml", csww_census(workers))
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [census])
    assert result.status == "loaded", result.report.to_text()
    assert result.message == "Loaded: Caseloads for September 2021, 4 rows."
    rows = _rows(db, "SELECT role, fte, agency, caseload FROM caseloads ORDER BY caseload")
    assert rows == [
        ("MANAGER", 0.5, True, 10),
        ("ASYE", 1.0, False, 19),
        ("QSW", 1.0, False, 20),
        ("QSW", 1.0, False, 26),
    ]
    assert "no FTE above 0 (FTE or FTE30): 1 worker(s) set aside" in result.report.to_text()
    # 1 QSW of 2 over the cap of 25 (26 children); the ASYE's 19 is over 18.
    assert _value(db, "caseload_qsw_over_cap_pct", date(2021, 9, 1)) == 50.0
    assert _value(db, "caseload_asye_over_cap_pct", date(2021, 9, 1)) == 100.0
    ids = _rows(db, "SELECT DISTINCT worker_id FROM caseloads")
    assert all(w.startswith("P-") for (w,) in ids)


def _etl_load(db: Path, path: Path, config: Path, key: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CSC_CONFIG": str(config), "CSC_PSEUDONYM_KEY": str(key)}
    return subprocess.run(
        [sys.executable, "-m", "etl", "load", "--db", str(db), str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.skipif(not REAL.is_dir(), reason="real-format files not present")
def test_the_published_cin_census_loads_as_published(tmp_path: Path) -> None:
    """liia-tools' cin-2022.xml: one child of LA 201, one episode whose assessment, section 47
    and plan all start before its referral (a validator fixture's deliberate errors)."""
    path = REAL / "sf-liiatools__cin-2022.xml"
    db, key = tmp_path / "csc.duckdb", tmp_path / "key"
    refused = _etl_load(db, path, ROOT / "config" / "council.yaml", key)
    assert refused.returncode == 1
    assert "is for LA 201 (its header's LEA), but this dashboard is for" in refused.stdout
    done = _etl_load(db, path, council_config(tmp_path, "201"), key)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "1 child, 1 referral episode read, 1 set aside" in out
    # Referral 6 Oct 1970; assessment started 3 Jun 1970, section 47 2 Jun 1970, plan 17 Feb
    # 1970: rules 1103, 2889 and 1105, each naming the child's own (pseudonymous) ID.
    for rule, element in (
        ("1103", "AssessmentActualStartDate"),
        ("2889", "S47ActualStartDate"),
        ("1105", "CPPstartDate"),
    ):
        said = f"{element} is before CINreferralDate (DfE validation rule {rule})"
        assert f"{said}: 1 episode(s) set aside and not counted — child DfEX0000001" in out
    # Year 2022: April 2021 to March 2022, twelve months each, none of them with a row.
    titles = ("Referrals", "Assessments", "Initial child protection conferences")
    for title in (*titles, "Child protection plans", "Child protection reviews"):
        assert f"{title}, April 2021 – March 2022: 12 month(s) (12 new), 0 rows" in out
    assert "UPN" in out and "PersonBirthDate" in out  # named as dropped, never quoted
    for secret in ("A123456789123", "X98765432123B", "1966-03-24", "1966-03-22"):
        assert secret not in out + done.stderr
    assert _rows(db, "SELECT count(*) FROM load_log WHERE status = 'loaded'") == [
        (60,)
    ]  # 5 returns x 12


@pytest.mark.skipif(not REAL.is_dir(), reason="real-format files not present")
def test_the_published_workforce_census_loads_as_published(tmp_path: Path) -> None:
    """liia-tools' social_work_workforce_2022.xml (LA 301, 30 workers), counted by hand:
    17 hold cases (Cases30) and had not left by 30 September 2022; of those, 7 have a
    RoleEndDate after it (28 March 2023) and 4 a RoleStartDate after it (three on 28 March
    2023, one on 8 October 2022), and 2 of the leavers have no FTE above 0: 11 set aside.
    The 6 left: OrgRole 1 (85 cases, FTE .859218) and 3 (14, .192894) are managers; OrgRole
    6 (23 and 63 cases) and two with no OrgRole (72 and 23) are OTHER."""
    path = REAL / "sf-liiatools__social_work_workforce_2022.xml"
    db, key = tmp_path / "csc.duckdb", tmp_path / "key"
    done = _etl_load(db, path, council_config(tmp_path, "301"), key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "30 workers read; 6 holding cases at the reference date" in done.stdout
    assert "13 not holding cases then (no Cases30, or left); 11 set aside" in done.stdout
    rows = _rows(
        db,
        "SELECT role, count(*), sum(caseload), round(sum(fte), 6) FROM caseloads "
        "WHERE month = '2022-09-01' GROUP BY role ORDER BY role",
    )
    assert rows == [("MANAGER", 2, 99, 1.052112), ("OTHER", 4, 181, 1.240101)]
    assert "Oz2054309383" not in done.stdout + done.stderr  # a Social Work England number


def test_nothing_personal_is_kept_anywhere(
    tmp_path: Path,
    pseudonym_key,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Load a CIN census and a workforce census from the drop folder, refuse a third (another
    council's) and load a fourth by the CLI: no UPN, date of birth or Social Work England
    number is in the store, staged or kept files, the log or anything printed."""
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    db = tmp_path / "store" / "csc.duckdb"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cin = write(inbox / "cin_2022.xml", cin_census(HAND_WORKED))
    csww = write(inbox / "csww_2021.xml", csww_census([worker(SWE_NUMBER, "20")]))
    other = write(inbox / "cin_other.xml", cin_census(HAND_WORKED, lea="998"))
    results = load_paths(db, [cin, csww, other], move_to_processed=True)
    assert [r.status for r in results] == ["loaded", "loaded", "rejected"]
    cli = write(tmp_path / "cin_2021.xml", cin_census(HAND_WORKED[:3], 2021, "2021-03-31"))
    env = {**os.environ, "CSC_PSEUDONYM_KEY": str(pseudonym_key)}
    subprocess.run(
        [sys.executable, "-m", "etl", "load", "--db", str(db), str(cli)], check=True, env=env
    )
    files = [p for folder in (db.parent, staging, inbox) for p in folder.rglob("*") if p.is_file()]
    everything = b"".join(p.read_bytes() for p in files)
    out, err = capfd.readouterr()
    everything += (out + err + caplog.text).encode()
    for secret in (UPN, FORMER_UPN, BIRTH_DATE, EXPECTED_BIRTH, SWE_NUMBER, WORKER_BIRTH):
        assert secret.encode() not in everything, secret
    for folder in ("rejected", "processed"):
        kept = [p.name for p in (db.parent / folder).iterdir()]
        assert kept and all(name.endswith(".report.json") for name in kept), kept
