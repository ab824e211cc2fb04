"""Nothing personal from an SSD extract is kept: not in the store, its snapshot, the staged
rows, the kept files, the load log, the audit, nor anything printed or logged.

The demo council's synthetic extract (``demo.ssd``) carries made-up names, dates of birth,
UPNs, postcodes, Social Work England numbers, staff numbers and personal advisers' names in
every column the SSD has for them; each is looked for in every byte the store folder keeps.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from demo import ssd as demo_ssd
from etl.write.load import load_paths

SIZE = demo_ssd.Size(children=150, workers=12, months=14)


def secrets(tables: dict) -> set[str]:
    """Every personal value the extract holds, as text (dates of birth in the two ways a
    file or a report could write them)."""
    person, staff = tables["ssd_person"], tables["ssd_professionals"]
    found = set(person["pers_forename"] + " " + person["pers_surname"])
    found |= set(person["pers_surname"]) | set(person["pers_upn"])
    found |= {d[:10] for d in person["pers_dob"]} | {
        f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in person["pers_dob"]
    }
    found |= set(tables["ssd_address"]["addr_address_postcode"])
    found |= set(staff["prof_social_worker_registration_no"]) | set(staff["prof_staff_id"])
    found |= set(staff.get("prof_professional_name", []))
    found |= set(tables["ssd_care_leavers"]["clea_care_leaver_personal_advisor"])
    # The dates of birth that fall inside the extract's months are also some event's date.
    return {s for s in found if s and not s.startswith(("2020", "2021", "2022"))}


@pytest.mark.slow
def test_nothing_personal_from_the_ssd_is_kept_anywhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A drop-folder load of the SystemC build, a refused set (its involvements lack a
    column) and a command-line load of the older Mosaic build."""
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(tmp_path / "keys" / "pseudonym.key"))
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))  # staged rows land here
    db = tmp_path / "store" / "csc.duckdb"
    inbox = tmp_path / "inbox"
    good = demo_ssd.write(inbox / "good", SIZE)
    bad = demo_ssd.write(inbox / "bad", SIZE, seed=7)
    involvements = inbox / "bad" / "ssd_involvements.csv"
    text = involvements.read_text().replace("invo_involvement_start_date", "invo_started")
    involvements.write_text(text)
    mosaic = demo_ssd.write(tmp_path / "mosaic", SIZE, seed=9, build="mosaic")
    results = load_paths(db, good, move_to_processed=True)
    results += load_paths(db, bad, move_to_processed=True)
    assert [r.status for r in results] == ["loaded", "rejected"], results[0].report.to_text()
    lines = "\n".join(results[0].report.lists)
    for title in ("Caseloads", "Statutory visits", "Initial child protection conferences",
                  "Assessments", "Referrals", "Social worker allocations", "Care leavers",
                  "Looked-after reviews", "Child protection plans"):  # fmt: skip
        assert f"{title}: " in lines and f"{title}: not filled" not in lines, lines
    load = [sys.executable, "-m", "etl", "load", "--replace", "--as-at", "2022-04-01"]
    cli = subprocess.run(
        [*load, "--db", str(db), str(tmp_path / "mosaic")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    # The extract's date as given: its last whole month is March 2022.
    assert "Extract of 01 April 2022" in cli.stdout and "– March 2022" in cli.stdout
    personal = set()
    for seed, build in ((2022, "systemc"), (7, "systemc"), (9, "mosaic")):
        personal |= secrets(demo_ssd.tables(SIZE, seed, build))
    assert len(personal) > 500
    files = [p for folder in (db.parent, staging, inbox) for p in folder.rglob("*") if p.is_file()]
    everything = b"".join(p.read_bytes() for p in files)
    out, err = capfd.readouterr()
    everything += (out + err + cli.stdout + cli.stderr + caplog.text).encode()
    leaked = sorted(s for s in personal if s.encode() in everything)
    assert not leaked, leaked[:10]
    for folder in ("rejected", "processed"):
        kept = [p.name for p in (db.parent / folder).iterdir()]
        assert kept and all(name.endswith(".report.json") for name in kept), kept
    assert not list((inbox / "good").iterdir()) and not list((inbox / "bad").iterdir())
    assert mosaic
