"""Hostile census XML: refused before it can do harm, with a reason, and nothing kept.

External entities and entity-expansion bombs are refused before the parser sees them (a
census never has a DTD); a file cut short is refused naming its line and column; a file of
the other collection, or of another year's layout, is refused as such. Every refusal leaves
the store without a row and keeps only the report.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from etl.read.xml_safe import iter_records
from etl.report import FileRejected
from etl.write.load import check_file, load_paths
from tests.census_xml import UPN, Episode, child, cin_census, csww_census, worker, write

GOOD = cin_census([child("A1", Episode("2021-05-04", assessments=[("2021-05-04", "")]))])


def _refusal(text: str | bytes, name: str = "cin_2022.xml") -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    fc = check_file(name, data)
    try:
        assert not fc.accepted, fc.report.to_text()
        assert fc.held_personal_data  # so the loader never keeps the file
        return fc.report.to_text()
    finally:
        fc.discard()


def _with_dtd(dtd: str, body: str = "&x;") -> str:
    return GOOD.replace(
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE Message [{dtd}]>\n',
    ).replace("<LAchildID>A1</LAchildID>", f"<LAchildID>{body}</LAchildID>")


def test_an_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    text = _refusal(_with_dtd(f'<!ENTITY x SYSTEM "file://{secret}">'))
    assert "declares a document type (DTD) or entities" in text
    assert "TOP-SECRET-CONTENT" not in text


def test_an_entity_expansion_bomb_is_refused_at_once() -> None:
    lol = ['<!ENTITY a0 "lol">'] + [
        f'<!ENTITY a{i} "{"".join(f"&a{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    ]
    started = time.perf_counter()
    text = _refusal(_with_dtd("".join(lol), "&a9;"))
    assert time.perf_counter() - started < 2
    assert "declares a document type (DTD) or entities" in text


def test_a_dtd_hidden_after_a_long_comment_is_never_parsed() -> None:
    padded = GOOD.replace(
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<?xml version="1.0" encoding="utf-8"?>\n<!--' + "x" * 70_000 + "-->\n"
        '<!DOCTYPE Message [<!ENTITY x "y">]>\n',
    ).encode()
    # The safe reader refuses a file with no element in its first 64 KiB...
    with pytest.raises(FileRejected) as refused:
        list(iter_records(padded, ("Child",)))
    assert refused.value.finding.check == "xml_unsafe"
    # ...and the loader, seeing no census in that head, refuses it as XML, never kept.
    fc = check_file("cin_2022.xml", padded)
    assert fc.report.problems[0].message == "This is an XML file, not a return"


def test_a_truncated_file_is_refused_naming_line_and_column() -> None:
    cut = GOOD[: GOOD.index("</Children>") - 20]
    text = _refusal(cut)
    last_line = cut.count("\n") + 1
    assert f"The XML is not well formed at line {last_line}, column" in text
    assert UPN not in text


def test_a_workforce_census_inside_a_cin_census_is_the_wrong_collection() -> None:
    mixed = GOOD.replace("<Children>", "<Children>" + worker("QX0000000001", "3"))
    text = _refusal(mixed)
    said = "starts as a children in need census but holds the children's social work"
    assert f"{said} workforce census's records" in text


def test_a_header_of_one_collection_over_another_s_records_is_refused() -> None:
    wrong = csww_census([worker("QX0000000001", "3")]).replace(
        "<Collection>CSWW</Collection>", "<Collection>CIN</Collection>"
    )
    assert "(its header and its contents disagree)" in _refusal(wrong, "csww_2021.xml")


@pytest.mark.parametrize(
    ("year", "element", "words"),
    [
        (2022, "Sex", "Sex replaced GenderCurrent in the 2024-25 census"),
        (2025, "GenderCurrent", "GenderCurrent became Sex in the 2024-25 census"),
    ],
)
def test_another_year_s_layout_is_refused(year: int, element: str, words: str) -> None:
    text = cin_census(
        [child("A1", Episode(f"{year - 1}-05-04"), sex=element)],
        year=year,
        reference_date=f"{year}-03-31",
    )
    refused = _refusal(text)
    assert f"The census header says Year {year}, but the file holds {element}" in refused
    assert words in refused


def test_the_2026_27_block_is_left_aside_with_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(tmp_path / "key"))
    block = "<PreProceedingsandFGDM><Placeholder>1</Placeholder></PreProceedingsandFGDM>"
    text = cin_census(
        [child("A1", Episode("2026-05-04", extra=block), sex="Sex")],
        year=2027,
        reference_date="2027-03-31",
    )
    fc = check_file("cin_2027.xml", text.encode())
    try:
        assert fc.accepted, fc.report.to_text()
        assert any(line.startswith("PreProceedingsandFGDM: ") for line in fc.report.lists)
    finally:
        fc.discard()


def test_another_council_s_census_is_refused() -> None:
    assert "is for LA 998 (its header's LEA)" in _refusal(cin_census([], lea="998"))


def test_an_oversized_census_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSC_MAX_FILE_MB", "0.001")
    assert "the limit is 0 MB" in _refusal(GOOD + " " * 2000)


def test_a_refused_census_changes_nothing_and_keeps_only_its_report(tmp_path: Path) -> None:
    db = tmp_path / "csc.duckdb"
    bomb = write(tmp_path / "cin.xml", _with_dtd('<!ENTITY x "y">'))
    [result] = load_paths(db, [bomb])
    assert result.status == "rejected"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM referrals").fetchone() == (0,)
    finally:
        con.close()
    kept = sorted(p.name for p in (tmp_path / "rejected").iterdir())
    assert len(kept) == 1 and kept[0].endswith(".report.json")


def test_a_census_in_a_namespace_or_utf16_is_read_the_same(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(tmp_path / "key"))
    spaced = GOOD.replace("<Message>", '<Message xmlns="urn:example:cin-census">')
    wide = GOOD.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    for data in (spaced.encode(), wide):
        fc = check_file("cin_2022.xml", data)
        try:
            assert fc.accepted, fc.report.to_text()
            assert "1 child, 1 referral episode read, 0 set aside" in fc.report.lists[0]
            assert {u.spec.name for u in fc.units} == {
                "referrals",
                "assessments",
                "icpc",
                "cp_plans",
                "cp_reviews",
            }
        finally:
            fc.discard()


def test_a_upn_given_as_the_child_s_id_refuses_the_file_and_is_never_shown() -> None:
    upn_id = "K801200123456"  # a letter and 12 characters: a UPN's shape
    text = cin_census([child(upn_id, Episode("2021-05-04"), Episode("2028-01-01"))])
    refused = _refusal(text)
    assert "values shaped like unique pupil numbers" in refused
    assert upn_id not in refused
