"""Staff-name columns are decided per column, never value by value.

A caseloads file whose "Allocated Worker" column held 79 staff names stored all of them when
they were written "Olivia Smith-0" or "Amelia Adams W.": names were recognised one value at a
time by their shape. Now a heading that means a person, or names common among a column's
values, makes every value of the column a pseudonym, and the report says which and why.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.check.pseudonym import heading_means_a_person
from etl.write.load import load_paths

FIRST = ["Olivia", "Amelia", "Noah", "Isla", "George", "Ava", "Leo", "Freya", "Arthur", "Mia"]
LAST = ["Smith", "Adams", "Patel", "Brown", "Jones", "Khan", "Evans", "Wilson"]


def _names(count: int) -> list[str]:
    """Fictional staff names in the shapes that slipped through: "Olivia Smith-0" (a number
    joined on) and "Amelia Adams W." (an initial with a full stop)."""
    out = []
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        out.append(f"{first} {last}-{n}" if n % 2 == 0 else f"{first} {last} {chr(65 + n % 26)}.")
    return out


def _caseloads(path: Path, heading: str, workers: list[str]) -> Path:
    rows = [f"{heading},team,role,fte,agency,caseload"]
    rows += [f"{w},Safeguarding 1,QSW,1,N,{10 + i % 9}" for i, w in enumerate(workers)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _stored(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT worker_id FROM caseloads").fetchall()]


def _everything(db: Path) -> str:
    """Every text value of every table in the store, in one string (the names must be in none)."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return " ".join(
            str(v)
            for t in tables
            for row in con.execute(f'SELECT * FROM "{t}"').fetchall()
            for v in row
        )


def test_an_allocated_worker_column_of_oddly_written_names_is_pseudonymised_whole(
    tmp_path: Path,
) -> None:
    names = _names(79)
    db = tmp_path / "csc.duckdb"
    path = _caseloads(tmp_path / "caseloads_2021-06.csv", "Allocated Worker", names)
    [result] = load_paths(db, [path])
    assert result.status == "loaded", result.report.to_text()
    stored = _stored(db)
    assert len(stored) == 79 and all(w.startswith("P-") for w in stored)
    assert len(set(stored)) == 79  # still one ID per worker
    everything = _everything(db)
    assert not any(last in everything for last in LAST)
    [warning] = [w for w in result.report.warnings if w.check == "pseudonymised"]
    assert "every value (79)" in warning.message
    assert "its heading 'Allocated Worker' means a person" in warning.message


def test_a_column_where_names_are_common_is_pseudonymised_whole(tmp_path: Path) -> None:
    """Under a neutral heading, 6 names among 10 different values (60%, above the 20% that
    makes a column one of names): the four IDs are replaced too."""
    workers = [*_names(6), "W1", "W2", "W3", "W4"]
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(
        db, [_caseloads(tmp_path / "caseloads_2021-06.csv", "worker_id", workers)]
    )
    assert result.status == "loaded", result.report.to_text()
    assert all(w.startswith("P-") for w in _stored(db))
    [warning] = [w for w in result.report.warnings if w.check == "pseudonymised"]
    assert "names are common in it (6 of 10 different values)" in warning.message


def test_a_column_of_ids_keeps_its_ids(tmp_path: Path) -> None:
    """IDs under "Worker ID" stay as sent; one "Not Allocated" (1 of 10, below 20%) does not
    make the column one of names, though that value alone is replaced for its shape."""
    workers = [f"W{n}" for n in range(1, 10)] + ["Not Allocated"]
    db = tmp_path / "csc.duckdb"
    [result] = load_paths(
        db, [_caseloads(tmp_path / "caseloads_2021-06.csv", "Worker ID", workers)]
    )
    assert result.status == "loaded", result.report.to_text()
    stored = _stored(db)
    assert sorted(w for w in stored if not w.startswith("P-")) == sorted(workers[:9])
    [warning] = [w for w in result.report.warnings if w.check == "pseudonymised"]
    assert warning.message.startswith("worker_id: 1 values shaped like a person's name")


def test_headings_that_mean_a_person_and_those_that_do_not() -> None:
    people = ["Allocated Worker", "Social Worker", "Worker Name", "Personal Advisor", "Key Worker"]
    references = ["Worker ID", "Staff Number", "Social Worker ID", "Allocated Team", "worker_id"]
    assert all(heading_means_a_person(h) for h in people)
    assert not any(heading_means_a_person(h) for h in references)
