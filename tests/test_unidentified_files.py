"""A file that no declared return or known format matches keeps only its report.

The dashboard cannot know what such a file holds: a case-management export with a staff name
and an NHS number written into free text, or a Standard Safeguarding Dataset (SSD) table of
professionals with their names. Each used to be copied whole into ``rejected/``. Now nothing
of it is kept but the report; a file that *is* a declared return and is refused is still kept
beside its report, for the analyst to correct. The SSD is now a known format: its
professionals table on its own is refused (it holds no dated event) and, holding staff names,
keeps only its report for that reason.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from etl.write.load import NOT_KEPT_PERSONAL, NOT_KEPT_UNIDENTIFIED, load_paths

SSD = Path(os.environ.get("CSC_SSD_SPEC", "/work/shared/ssd"))
NAMES = ["Olivia Smith", "Amelia Adams", "Noah Patel", "Isla Brown"]  # fictional staff


def _kept(db: Path) -> tuple[list[Path], list[Path]]:
    """(files kept in rejected/, reports kept there)."""
    kept = sorted((db.parent / "rejected").iterdir())
    reports = [p for p in kept if p.name.endswith(".report.json")]
    return [p for p in kept if p not in reports], reports


def _ssd_professionals_header() -> list[str]:
    """The SSD's ``ssd_professionals`` fields, in the published specification's order."""
    with (SSD / "d2i-ssd__data_objects_specification.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["object_name"] == "ssd_professionals"]
    return [r["field_name"] for r in rows]


def test_an_export_with_a_name_and_nhs_number_in_free_text_keeps_only_its_report(
    tmp_path: Path,
) -> None:
    text = (
        "Case Ref,Notes,Status\n"
        "C1,Seen by Olivia Smith at home; NHS no 943 476 5919,Open\n"
        "C2,Phone call,Closed\n"
    )
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [path])
    assert result.status == "rejected"
    assert [p.check for p in result.report.problems] == ["return_identified"]
    files, [report] = _kept(db)
    assert files == []  # no copy of the export, whatever it holds
    assert json.loads(report.read_text("utf-8"))["original_not_kept"] == NOT_KEPT_UNIDENTIFIED
    assert "Olivia" not in report.read_text("utf-8")
    assert result.not_kept == NOT_KEPT_UNIDENTIFIED


def test_an_ssd_professionals_table_of_staff_names_keeps_only_its_report(tmp_path: Path) -> None:
    header = _ssd_professionals_header()
    assert "prof_professional_name" in header  # the spec as published
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for n, name in enumerate(NAMES, start=1):
        writer.writerow(
            {**dict.fromkeys(header, ""), header[0]: f"P{n}", "prof_professional_name": name}
        )
    path = tmp_path / "ssd_professionals.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [path])
    assert result.status == "rejected"
    files, [report] = _kept(db)
    assert files == []
    kept = report.read_text("utf-8")
    assert json.loads(kept)["original_not_kept"] == NOT_KEPT_PERSONAL
    assert "hold no dated event" in result.message
    assert not any(name in kept for name in NAMES)


def test_a_refused_file_of_a_declared_return_is_still_kept_beside_its_report(
    tmp_path: Path,
) -> None:
    """The positive case: a visits file (named so) without its ``seen`` column is known to be
    visits, holds nothing undeclared, and is kept for the analyst to correct and send again."""
    path = tmp_path / "visits_2021-05.csv"
    path.write_text(
        "child_id,team,worker_id,plan_type,due_date\nC1,Team A,W1,CP,2021-05-10\n", "utf-8"
    )
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(db, [path])
    assert result.status == "rejected"
    files, [report] = _kept(db)
    assert [f.read_bytes() for f in files] == [path.read_bytes()]
    assert "original_not_kept" not in json.loads(report.read_text("utf-8"))
