"""The SSDA903 as one XML file: the hand-counted tables of ``test_kpis_looked_after``
written in the XML layout (``<CHILD>``, ``<HEADER>``, ``<EPISODE>``, ``<AREVIEW>``,
``<AMISSING>``) give the same figures, the same set-aside records (named by child) and keep
nothing personal. The shared real formats hold no 903 XML, so the file is written here."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from etl.write.load import check_ssda903, load_paths
from metrics import api
from tests.test_kpis_looked_after import DOBS, EXPECTED, POSTCODES, TABLES, UPNS

#: Where each CSV table's rows go in the XML: the child's HEADER itself, or an element of it.
IN_HEADER = {"header": None, "oc3": None, "reviews": "AREVIEW", "missing": "AMISSING"}
#: Elements named otherwise than the CSV headings.
RENAMED = {"CHILD": "CHILDID", "PLACE": "PL"}
#: The social worker episodes are not in the XML layout: their figures are not expected.
NOT_IN_XML = {"cla_3plus_social_workers_pct", "social_worker_changes_per_child"}


def _rows(table: str) -> list[dict[str, str]]:
    text = TABLES[f"SSDA903_2022_{table}.csv"]
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _elements(values: dict[str, str], skip: tuple[str, ...] = ()) -> str:
    return "".join(
        f"<{RENAMED.get(k, k)}>{v}</{RENAMED.get(k, k)}>"
        for k, v in values.items()
        if v and k not in skip
    )


def ssda903_xml() -> str:
    """The tables as one XML: a CHILD per child, in the order children first appear."""
    children: dict[str, dict[str, list[str]]] = {}

    def of(child: str) -> dict[str, list[str]]:
        return children.setdefault(child, {"own": [], "nested": [], "episodes": []})

    for table, element in IN_HEADER.items():
        for row in _rows(table):
            part = of(row["CHILD"])
            if element is None:  # the child's own values
                part["own"].append(_elements(row, () if table == "header" else ("CHILD",)))
            else:
                part["nested"].append(f"<{element}>{_elements(row, ('CHILD', 'DOB'))}</{element}>")
    for row in _rows("episodes"):
        of(row["CHILD"])["episodes"].append(f"<EPISODE>{_elements(row, ('CHILD',))}</EPISODE>")
    body = []
    for child, part in children.items():
        own = "".join(part["own"]) or f"<CHILDID>{child}</CHILDID>"
        if "<CHILDID>" not in own:
            own = f"<CHILDID>{child}</CHILDID>{own}"
        body.append(
            f"<CHILD><HEADER>{own}{''.join(part['nested'])}</HEADER>"
            f"{''.join(part['episodes'])}</CHILD>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<EXPSSDA903>' + "\n".join(body) + "</EXPSSDA903>\n"
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("ssda903_xml")
    path = root / "inbox" / "SSDA903_2022.xml"
    path.parent.mkdir()
    path.write_text(ssda903_xml(), encoding="utf-8")
    db = root / "store" / "csc.duckdb"
    return db, load_paths(db, [path], move_to_processed=True)


def test_the_xml_loads_as_the_tables_do_naming_each_child(loaded: tuple[Path, list]) -> None:
    _, [result] = loaded
    assert result.status == "loaded", result.report.to_text()
    lines = "\n".join(result.report.lists)
    # 13 episodes read; C5, C6, C7 set aside, as from the CSV
    assert "Episodes (SSDA903_2022.xml) → looked_after: 13 rows read, 3 set aside" in lines
    for rule, column, child in (("356", "DEC", "C5"), ("143", "RNE", "C6"),
                                ("302", "DECOM", "C7"), ("586", "MIS_START", "C7"),
                                ("132", "ACTIV", "O4")):  # fmt: skip
        [finding] = [w for w in result.report.warnings if w.check == f"ssda903_rule_{rule}"]
        assert finding.column == column and finding.message.endswith(f"— child {child}")
    assert result.not_kept and "personal data" in result.not_kept


@pytest.mark.parametrize(
    "key", [k for k in EXPECTED if k[0] not in NOT_IN_XML], ids=lambda k: f"{k[0]}-{k[1]:%b}"
)
def test_the_figures_are_the_tables_figures(loaded: tuple[Path, list], key: tuple) -> None:
    db, _ = loaded
    kpi, month, team = key
    frame = api.kpi_values(db, [kpi], months=[month], teams=[team])
    assert len(frame) == 1, (key, frame)
    got, expected = frame["value"].iloc[0], EXPECTED[key]
    assert math.isnan(got) if math.isnan(expected) else got == pytest.approx(expected)


def test_nothing_personal_is_kept_anywhere(loaded: tuple[Path, list], tmp_path: Path) -> None:
    """Every byte of the store, its snapshot and kept report, and of the staged rows."""
    db, _ = loaded
    iso = [f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in DOBS]
    needles = [s.encode() for s in (*DOBS, *iso, *UPNS, *POSTCODES)]
    again = tmp_path / "SSDA903_2022.xml"
    again.write_text(ssda903_xml(), encoding="utf-8")
    check = check_ssda903([(again.name, again)])
    try:
        assert check.accepted and check.stage is not None
        staged = [p for p in check.stage.rglob("*") if p.is_file()]
        places = [p for p in db.parent.rglob("*") if p.is_file()] + staged
        assert any(p.suffix == ".duckdb" for p in places)
        assert any(p.suffix == ".parquet" for p in staged)
        for path in places:
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, (path, needle)
    finally:
        check.discard()


def test_an_xml_with_a_dtd_is_refused_unread_and_not_kept(tmp_path: Path) -> None:
    text = ssda903_xml().replace(
        "<EXPSSDA903>",
        '<!DOCTYPE EXPSSDA903 [<!ENTITY x SYSTEM "file:///etc/passwd">]><EXPSSDA903>',
    )
    path = tmp_path / "inbox" / "SSDA903_2022.xml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    [result] = load_paths(tmp_path / "csc.duckdb", [path], move_to_processed=True)
    assert result.status == "rejected"
    assert [p.check for p in result.report.problems] == ["xml_unsafe"]
    kept = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".xml"]
    assert kept == [], kept
