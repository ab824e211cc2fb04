"""The board pack: open the real PDF and PPTX and check them against the metrics layer.

Charts are exported once for the module (kaleido with Debian's chromium, a few seconds) and
both files are written from that one pack.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfReader

from metrics import api, comparison
from metrics.formatting import format_figure, format_value, uk_month
from metrics.suppression import SHOW_ALL, Suppressor
from reports.__main__ import main
from reports.content import PACK_CHART_FONT_PX, board_pack
from reports.images import WIDTH, to_png
from reports.meetings import compare_month_from
from reports.pdf import MARGIN, PAGE, write_pdf
from reports.slides import write_pptx
from ui.charts import MIN_SPAN, PROJECTION_MONTHS

PRODUCED = date(2022, 4, 20)
PUBLICATION = Suppressor(enabled=True, threshold=5)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "pack"


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
    pack = board_pack(demo_db, month, produced=PRODUCED, hide=PUBLICATION)
    pictures = to_png([s.chart for s in pack.sections])
    folder = tmp_path_factory.mktemp("pack")
    pdf, pptx = folder / "pack.pdf", folder / "pack.pptx"
    write_pdf(pack, pictures, pdf)
    write_pptx(pack, pictures, pptx)
    print(f"board pack content, 4 charts, PDF and PPTX: {time.perf_counter() - started:.1f} s")
    return {"pack": pack, "pdf": pdf, "pptx": pptx, "team": team, "kpi": kpi_id, "db": demo_db}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _council_figures(db: Path, month: date) -> dict[str, str]:
    """Each KPI's title and council figure as the pack for publication shows it."""
    values = api.kpi_values(db, months=[month], teams=["ALL"]).set_index("kpi")
    return {
        k.title: PUBLICATION.figure(
            values.loc[k.id, "value"],
            k.unit,
            values.loc[k.id, "numerator"],
            values.loc[k.id, "denominator"],
        )
        for k in api.all_kpis()
        if k.id in values.index
    }


def test_pdf_has_a_cover_summary_areas_in_order_and_page_numbers(built: dict) -> None:
    pack, reader = built["pack"], PdfReader(built["pdf"])
    assert reader.metadata.title == pack.title
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    pages = [_flat(p.extract_text()) for p in reader.pages]
    cover = pages[0]
    assert pack.council in cover and uk_month(pack.month) in cover
    assert "Produced 20 April 2022" in cover
    assert pages[1].startswith("Summary of every measure")
    for n, text in enumerate(pages, start=1):
        assert text.endswith(f"Page {n} of {len(pages)}")
    starts = [i for area in api.areas() for i, t in enumerate(pages) if t.startswith(area.title)]
    assert len(starts) == len(api.areas()) and starts == sorted(starts)  # each, in order


def test_pdf_narrative_figures_are_the_metrics_layer_figures_with_counts(built: dict) -> None:
    reader = PdfReader(built["pdf"])
    figures = _council_figures(built["db"], built["pack"].month)
    text = _flat(" ".join(p.extract_text() for p in reader.pages[2:]))
    for title, shown in figures.items():
        assert f"{title}: {shown}, " in text


def _pdf_text_sizes(reader: PdfReader) -> list[tuple[float, str]]:
    """Every piece of text in the PDF with its printed size in points."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append((abs(size * tm[3] * cm[3]) if tm[3] and cm[3] else size, text.strip()))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_pdf_text_is_printed_at_9_pt_or_more(built: dict) -> None:
    small = [(round(s, 1), t) for s, t in _pdf_text_sizes(PdfReader(built["pdf"])) if s < 9]
    assert not small, small[:10]
    # Chart pictures: 20 px text of a 900 px picture printed 60% of the text width.
    printed_pt = PACK_CHART_FONT_PX * (0.6 * (PAGE[0] - 2 * MARGIN)) / WIDTH
    assert printed_pt >= 9
    for section in built["pack"].sections:
        layout = section.chart.layout
        sizes = [layout.font.size, layout.xaxis.tickfont.size, layout.yaxis.tickfont.size]
        sizes += [a.font.size for a in layout.annotations]
        assert min(sizes) >= PACK_CHART_FONT_PX, section.area_id


def test_pack_charts_fill_their_axes_and_show_only_the_period(built: dict) -> None:
    """Every area chart: the council's line fills at least 30% of the value axis (unless it
    moves less than the least range drawn), and the time axis is the 24 months shown plus
    at most the projection's months, however long ago a target date was."""
    for section in built["pack"].sections:
        fig = section.chart
        council = next((t for t in fig.data if t.name == "Whole council"), None)
        values = [v for v in (council.y if council else []) if v is not None and v == v]
        if not values:
            continue
        low, high = fig.layout.yaxis.range
        if max(values) - min(values) >= MIN_SPAN["percent"]:
            assert (max(values) - min(values)) / (high - low) >= 0.30, section.area_id
        start, end = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
        months = [pd.Timestamp(m) for m in council.x]
        assert start >= min(months) - pd.Timedelta(days=16), section.area_id
        furthest = max(months) + pd.DateOffset(months=PROJECTION_MONTHS)
        assert end <= furthest + pd.Timedelta(days=16), section.area_id


def test_every_pdf_page_renders_to_a_picture(built: dict) -> None:
    """Pictures of every page for a reviewer to look at (test-artifacts/pack/)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(built["pdf"]), str(ARTIFACTS / "page")], check=True
    )
    assert len(list(ARTIFACTS.glob("page-*.png"))) == len(PdfReader(built["pdf"]).pages)


def _slide_texts(slide) -> str:
    parts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    for shape in slide.shapes:
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return _flat(" ".join(parts))


def test_pptx_is_16_9_numbered_and_every_word_is_18_pt(built: dict) -> None:
    prs = Presentation(built["pptx"])
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    slides = list(prs.slides)
    for n, slide in enumerate(slides, start=1):
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        if run.text.strip():
                            size = run.font.size or paragraph.font.size
                            assert size is not None and size.pt >= 18, (n, run.text)
        if n > 1:
            assert f"{n} of {len(slides)}" in _slide_texts(slide)


def test_pptx_shapes_stay_on_the_slide_and_clear_of_the_title(built: dict) -> None:
    prs = Presentation(built["pptx"])
    for n, slide in enumerate(prs.slides, start=1):
        boxes = [(s.left, s.top, s.left + s.width, s.top + s.height) for s in slide.shapes]
        for left, top, right, bottom in boxes:
            assert left >= 0 and top >= 0, n
            assert right <= prs.slide_width and bottom <= prs.slide_height, n
        title = slide.shapes.title
        if title is None or n == 1:
            continue
        for shape in slide.shapes:
            if shape.shape_id != title.shape_id:
                assert shape.top >= title.top + title.height, (n, shape.name)


def test_pptx_area_slides_have_the_chart_with_alt_text_headlines_and_a_team_table(
    built: dict,
) -> None:
    pack, prs = built["pack"], Presentation(built["pptx"])
    assert prs.core_properties.title == pack.title
    slides = list(prs.slides)
    titles = [s.shapes.title.text if s.shapes.title else "" for s in slides]
    figures = _council_figures(built["db"], pack.month)
    for area in api.areas():
        chart = slides[titles.index(area.title)]
        pictures = [s for s in chart.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr").startswith("Line chart of")
        words = " ".join(
            _slide_texts(s)
            for s, t in zip(slides, titles, strict=True)
            if t == f"{area.title}: the headlines"
        )
        notes = _flat(chart.notes_slide.notes_text_frame.text)
        for k in area.kpis:
            if k.title in figures:
                assert f"{k.title}: {figures[k.title]}, " in words
                assert f"{k.title}: {figures[k.title]}, " in notes
        tables = [s for s, t in zip(slides, titles, strict=True) if t == f"{area.title}: by team"]
        assert tables and any(sh.has_table for sh in tables[0].shapes)


def test_a_team_count_of_three_is_hidden_for_publication_and_shown_inside(built: dict) -> None:
    team, k = built["team"], api.kpi(built["kpi"])
    area = next(a for a in api.areas() if a.id == k.area)
    slides = list(Presentation(built["pptx"]).slides)
    tables = [
        sh.table
        for s in slides
        if s.shapes.title is not None and s.shapes.title.text.startswith(f"{area.title}: by team")
        for sh in s.shapes
        if sh.has_table
    ]
    cell = next(
        row.cells[[c.text for c in t.rows[0].cells].index(k.short_title)].text
        for t in tables
        if k.short_title in [c.text for c in t.rows[0].cells]
        for row in t.rows
        if row.cells[0].text == team
    )
    assert cell == "<5"
    # inside the council (the default mode) the same cell shows the 3
    shown = board_pack(built["db"], built["pack"].month, hide=SHOW_ALL)
    table = next(s for s in shown.sections if s.area_id == area.id).team_table
    cells = next(r for r in table if r[0] == team)
    assert cells[table[0].index(k.short_title)].startswith(f"{format_value(3, 'count')} ")


def test_suppression_is_a_council_setting_with_two_modes() -> None:
    from metrics.config import _suppression_mode

    assert _suppression_mode({}) == "internal"
    assert _suppression_mode({"mode": "for_publication"}) == "for_publication"
    assert _suppression_mode({"enabled_for_exports": True}) == "for_publication"  # older files
    with pytest.raises(ValueError, match="internal or for_publication"):
        _suppression_mode({"mode": "public"})
    assert format_figure(75.0, "percent", 3, 4) == "75.0% (few cases: 3 of 4)"


def test_the_command_line_writes_a_pack(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "pack.pptx"
    month = built["pack"].month
    args = ["board-pack", "--db", str(built["db"]), "--month", f"{month:%Y-%m}"]
    assert main([*args, "--format", "pptx", "--out", str(out)]) == 0
    assert len(Presentation(out).slides) > len(api.areas())
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
    *compared, uncompared = rows
    for row in compared:
        k = by_title[row[0]]
        assert row[4] == format_value(values.loc[k.id, "value"], k.unit)
        assert row[6] in ("published", "illustrative")
    # The measures the DfE publishes nothing for are named in one last row, saying so.
    assert uncompared[1] == comparison.NO_COMPARISON
    assert api.kpi("supervision_in_cycle_pct").short_title in uncompared[0]
    assert any(r[1].startswith("Statistical neighbours") for r in rows)
    # The rank among all councils, with its quartile band, beside the neighbours' figure.
    assert any(r[1] == "All councils" and r[5].startswith("quartile ") for r in rows)
    pages = [_flat(p.extract_text()) for p in PdfReader(built["pdf"]).pages]
    page = next(p for p in pages if p.startswith("How we compare"))  # after the summary
    assert rows[0][1] in page
    slides = list(Presentation(built["pptx"]).slides)
    assert "How we compare" in [s.shapes.title.text for s in slides if s.shapes.title]
