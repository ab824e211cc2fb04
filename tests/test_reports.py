"""The board pack: open the real PDF and PPTX and check them against the metrics layer.

Charts are exported once for the module (kaleido with Debian's chromium, a few seconds) and
both files are written from that one pack.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from metrics import api
from metrics.formatting import format_value, uk_month
from metrics.suppression import SHOW_ALL, for_exports
from reports.__main__ import main
from reports.content import board_pack
from reports.images import to_png
from reports.meetings import compare_month_from
from reports.pdf import write_pdf
from reports.slides import write_pptx

PRODUCED = date(2022, 4, 20)


def _month_with_a_team_count_of_three(db: Path) -> tuple[date, str, str]:
    """The latest month where some team's count KPI is exactly 3 (the demo has several)."""
    counts = [k.id for k in api.all_kpis() if k.unit == "count"]
    values = api.kpi_values(db, counts)
    threes = values[(values["team"] != "ALL") & (values["value"] == 3)].sort_values("month")
    row = threes.iloc[-1]
    return row["month"], row["team"], row["kpi"]


@pytest.fixture(scope="module")
def built(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    month, team, kpi_id = _month_with_a_team_count_of_three(demo_db)
    started = time.perf_counter()
    pack = board_pack(demo_db, month, produced=PRODUCED)
    pictures = to_png([s.chart for s in pack.sections])
    folder = tmp_path_factory.mktemp("pack")
    pdf, pptx = folder / "pack.pdf", folder / "pack.pptx"
    write_pdf(pack, pictures, pdf)
    write_pptx(pack, pictures, pptx)
    print(f"board pack content, 4 charts, PDF and PPTX: {time.perf_counter() - started:.1f} s")
    return {"pack": pack, "pdf": pdf, "pptx": pptx, "team": team, "kpi": kpi_id, "db": demo_db}


def _front(pack) -> int:
    """Pages before the areas: cover, summary, and "How we compare" when benchmarks exist."""
    return 2 + (len(pack.comparisons) > 1)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _council_figures(db: Path, month: date) -> dict[str, str]:
    """Each KPI's title and council value as an export shows it, from the metrics layer."""
    hide = for_exports()
    values = api.kpi_values(db, months=[month], teams=["ALL"]).set_index("kpi")
    return {
        k.title: hide.value(values.loc[k.id, "value"], k.unit, values.loc[k.id, "denominator"])
        for k in api.all_kpis()
    }


def test_pdf_has_a_cover_summary_and_a_page_per_area(built: dict) -> None:
    pack, reader = built["pack"], PdfReader(built["pdf"])
    areas = api.areas()
    front = _front(pack)
    assert len(reader.pages) == front + len(areas)
    assert reader.metadata.title == pack.title
    cover = _flat(reader.pages[0].extract_text())
    assert pack.council in cover and uk_month(pack.month) in cover
    assert "Produced 20 April 2022" in cover
    assert _flat(reader.pages[1].extract_text()).startswith("Summary of every measure")
    for page, area in zip(reader.pages[front:], areas, strict=True):
        assert _flat(page.extract_text()).startswith(area.title)


def test_pdf_narrative_figures_are_the_metrics_layer_figures(built: dict) -> None:
    reader = PdfReader(built["pdf"])
    figures = _council_figures(built["db"], built["pack"].month)
    text = _flat(" ".join(p.extract_text() for p in reader.pages[2:]))
    for title, shown in figures.items():
        assert f"{title}: {shown} (" in text


def test_pptx_slides_titles_alt_text_and_narrative(built: dict) -> None:
    pack, prs = built["pack"], Presentation(built["pptx"])
    areas = api.areas()
    slides = list(prs.slides)
    front = _front(pack)
    assert len(slides) == front + len(areas)
    assert prs.core_properties.title == pack.title
    assert [s.shapes.title.text for s in slides[front:]] == [a.title for a in areas]
    figures = _council_figures(built["db"], pack.month)
    for slide, area in zip(slides[front:], areas, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr").startswith("Line chart of")
        text = _flat(" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame))
        notes = _flat(slide.notes_slide.notes_text_frame.text)
        for k in area.kpis:
            assert f"{k.title}: {figures[k.title]} (" in text
            assert f"{k.title}: {figures[k.title]} (" in notes


def test_a_team_count_of_three_is_hidden_in_the_pack(built: dict) -> None:
    team, k = built["team"], api.kpi(built["kpi"])
    area = next(a for a in api.areas() if a.id == k.area)
    front = _front(built["pack"])
    slide = list(Presentation(built["pptx"]).slides)[front + list(api.areas()).index(area)]
    table = next(s.table for s in slide.shapes if s.has_table)
    header = [c.text for c in table.rows[0].cells]
    row = next(r for r in table.rows if r.cells[0].text == team)
    assert row.cells[header.index(k.short_title)].text == "<5"
    # inside the council the same cell shows the 3
    shown = board_pack(built["db"], built["pack"].month, hide=SHOW_ALL)
    table = next(s for s in shown.sections if s.area_id == area.id).team_table
    cells = next(r for r in table if r[0] == team)
    assert cells[table[0].index(k.short_title)].startswith(f"{format_value(3, 'count')} ")


def test_the_command_line_writes_a_pack(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "pack.pptx"
    month = built["pack"].month
    args = ["board-pack", "--db", str(built["db"]), "--month", f"{month:%Y-%m}"]
    assert main([*args, "--format", "pptx", "--out", str(out)]) == 0
    assert len(Presentation(out).slides) == _front(built["pack"]) + len(api.areas())
    assert (
        main(
            [
                "board-pack",
                "--db",
                str(built["db"]),
                "--month",
                "1999-01",
                "--format",
                "pdf",
                "--out",
                str(tmp_path / "x.pdf"),
            ]
        )
        == 2
    )


def test_compare_month_is_the_last_board_meeting_else_the_month_before() -> None:
    loaded = [date(2021, m, 1) for m in range(1, 7)]
    meetings = [date(2021, 3, 16), date(2021, 6, 15)]
    # June 2021: the last meeting before June is 16 March 2021, so March 2021
    assert compare_month_from(date(2021, 6, 1), loaded, meetings) == date(2021, 3, 1)
    # February 2021: no meeting before it, so the previous loaded month, January 2021
    assert compare_month_from(date(2021, 2, 1), loaded, meetings) == date(2021, 1, 1)
    # a meeting whose month has no data falls back to the previous loaded month too
    assert compare_month_from(date(2021, 6, 1), loaded[3:], meetings) == date(2021, 5, 1)
    assert compare_month_from(date(2021, 1, 1), loaded, meetings) is None


def test_the_pack_compares_with_england_and_neighbours(built: dict) -> None:
    # The demo ships benchmarks (docs: data/reference/README.md); the pack's comparison page
    # shows our figure exactly as the metrics layer gives it, beside each benchmark line.
    pack = built["pack"]
    rows = pack.comparisons[1:]
    assert rows, "the demo store has benchmark figures"
    values = api.kpi_values(built["db"], months=[pack.month], teams=["ALL"]).set_index("kpi")
    by_title = {k.short_title: k for k in api.all_kpis()}
    for row in rows:
        k = by_title[row[0]]
        assert row[4] == format_value(values.loc[k.id, "value"], k.unit)
        assert row[6] in ("published", "illustrative")
    assert any(r[1].startswith("Statistical neighbours") for r in rows)
    page = _flat(PdfReader(built["pdf"]).pages[2].extract_text())
    assert page.startswith("How we compare") and rows[0][1] in page
    slide = list(Presentation(built["pptx"]).slides)[2]
    assert slide.shapes.title.text == "How we compare"
