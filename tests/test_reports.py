"""The board pack: open the real PDF and PPTX and check them against the metrics layer.

Charts are exported once for the module (kaleido with Debian's chromium, a few seconds) and
both files are written from that one pack.
"""

from __future__ import annotations

import os
import re
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

from charts.scale import MIN_SPAN
from charts.trend import PROJECTION_MONTHS
from metrics import api, comparison
from metrics.formatting import format_figure, format_value, uk_month
from metrics.status import OFF_TRACK
from metrics.summary import summary
from metrics.suppression import SHOW_ALL, Suppressor
from reports.__main__ import main
from reports.content import PACK_CHART_FONT_PX, board_pack
from reports.images import to_png
from reports.meetings import compare_month_from
from reports.pdf import SMALLEST_PT, chart_text_pt, pack_html, write_pdf
from reports.slides import write_pptx

PRODUCED = date(2022, 4, 20)
PUBLICATION = Suppressor(enabled=True, threshold=5)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "pack"


def _month_with_a_team_count_of_three(db: Path) -> tuple[date, str, str]:
    """The latest month where some team's count KPI is exactly 3 and the KPI is an exception
    for the whole council (so its area, and its team table, is in the pack)."""
    counts = [k.id for k in api.all_kpis() if k.unit == "count"]
    values = api.kpi_values(db, counts)
    threes = values[(values["team"] != "ALL") & (values["value"] == 3)].sort_values("month")
    for row in reversed(list(threes.itertuples())):
        if row.kpi in {x.kpi for x in summary(db, row.month).exceptions}:
            return row.month, row.team, row.kpi
    raise AssertionError("no team count of 3 on a measure off track or at risk")


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


def test_pdf_opens_on_the_state_of_the_service_then_exception_areas_then_appendix(
    built: dict,
) -> None:
    pack, reader = built["pack"], PdfReader(built["pdf"])
    assert reader.metadata.title == pack.title
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    pages = [_flat(p.extract_text()) for p in reader.pages]
    first = pages[0]
    assert pack.council in first and uk_month(pack.month) in first
    assert "Produced 20 April 2022" in first
    # The first page is the summary: its headline and every exception with its since when.
    assert pack.headline in first
    for line in pack.state.exceptions:
        assert line.measure in first and line.value in first, line.kpi
    for n, text in enumerate(pages, start=1):
        assert text.endswith(f"Page {n} of {len(pages)}")
    # One section per area with a measure off track, headed with its finding, in area order;
    # then the areas only at risk, together under one heading; then the appendix.
    exception_areas = {x.area for x in pack.state.exceptions}
    off_areas = {x.area for x in pack.state.exceptions if x.status == OFF_TRACK}
    assert {s.area_id for s in pack.sections} == off_areas
    assert {s.area_id for s in pack.watching} == exception_areas - off_areas
    assert all(s.chart is not None for s in pack.sections)
    assert all(s.chart is None for s in pack.watching)
    starts = [
        next(i for i, t in enumerate(pages) if t.startswith(s.finding)) for s in pack.sections
    ]
    watching = next(i for i, t in enumerate(pages) if t.startswith(pack.watching_heading))
    appendix = next(i for i, t in enumerate(pages) if t.startswith("Appendix"))
    assert starts == sorted(starts) and starts[-1] < watching < appendix
    for section in pack.watching:  # each named with its finding, in area order
        assert _flat(section.finding) in " ".join(pages[watching:appendix])


def test_pdf_narrative_figures_are_the_metrics_layer_figures_with_counts(built: dict) -> None:
    """Every exception's sentence starts with its measure and the metrics layer's figure;
    every other measure is in the table of measures on track with the same figure."""
    pack, reader = built["pack"], PdfReader(built["pdf"])
    figures = _council_figures(built["db"], pack.month)
    text = _flat(" ".join(p.extract_text() for p in reader.pages[1:]))
    for line in pack.state.lines:
        shown = figures[line.measure]
        if line in pack.state.exceptions:
            assert f"{line.measure}: {shown}, " in text
        else:
            assert [line.measure, shown, line.since, line.area_title] in pack.on_track_rows


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
    # Chart pictures: PACK_CHART_FONT_PX text of a 900 px picture printed CHART_WIDTH_CM wide.
    assert chart_text_pt() >= SMALLEST_PT
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


def _missing(tool: str) -> None:
    """A missing drawing tool skips on a developer's machine but fails in CI, where
    ``scripts/setup.sh --dev`` installs it: a skipped picture test would pass CI unseen."""
    message = f"{tool} is not installed (scripts/setup.sh --dev installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_every_pdf_page_renders_to_a_picture(built: dict) -> None:
    """Pictures of every page for a reviewer to look at (test-artifacts/pack/)."""
    if not shutil.which("pdftoppm"):
        _missing("pdftoppm (poppler-utils)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(built["pdf"]), str(ARTIFACTS / "page")], check=True
    )
    assert len(list(ARTIFACTS.glob("page-*.png"))) == len(PdfReader(built["pdf"]).pages)


def test_every_slide_renders_to_a_picture(built: dict, tmp_path: Path) -> None:
    """Pictures of every slide (LibreOffice to PDF, then pdftoppm) in test-artifacts/pack/."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office or not shutil.which("pdftoppm"):
        _missing("LibreOffice Impress or pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("slide-*.png"):
        old.unlink()
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    command = [office, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path)]
    subprocess.run(
        [*command, str(built["pptx"])],
        check=True,
        capture_output=True,
        timeout=300,
    )
    converted = tmp_path / "pack.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(converted), str(ARTIFACTS / "slide")], check=True
    )
    slides = len(Presentation(built["pptx"]).slides)
    assert len(PdfReader(converted).pages) == slides
    assert len(list(ARTIFACTS.glob("slide-*.png"))) == slides


def _structure(node, found: list) -> None:
    """Every element of a PDF structure tree, depth first: (type, the element)."""
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            _structure(child, found)
        return
    if not hasattr(node, "get"):
        return
    if "/S" in node:
        found.append((str(node["/S"]), node))
    kids = node.get("/K")
    if kids is not None:
        _structure(kids, found)


def test_the_pdf_is_tagged_with_language_headings_tables_and_alt_text(built: dict) -> None:
    """PDF/UA: a structure tree, marked content, the language, one H1 (the pack's title), an
    H2 for every page's subject, real table header cells, and every chart a Figure whose /Alt
    says in words what the chart shows."""
    pack, reader = built["pack"], PdfReader(built["pdf"])
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    found: list = []
    _structure(root["/StructTreeRoot"], found)
    kinds = [k for k, _ in found]
    assert kinds.count("/H1") == 1
    assert kinds.count("/H2") >= len(pack.sections) + 3  # summary, on track, areas, appendix
    assert "/TH" in kinds and "/TD" in kinds and "/Table" in kinds
    alts = [str(e["/Alt"]) for k, e in found if k == "/Figure" and "/Alt" in e]
    assert len(alts) == len(pack.sections)
    assert [kinds.count("/Figure")] == [len(pack.sections)]  # no picture without its alt
    for section, alt in zip(pack.sections, alts, strict=True):
        assert alt == section.chart_alt
        assert alt.startswith("Line chart of") and " to " in alt
        if section.headlines:  # the level, the change and the status, in words
            assert section.headlines[0] in alt


def test_every_value_in_the_pack_html_is_escaped(built: dict) -> None:
    """A team called ``<b>Team & Co</b>`` comes out as text, never as markup."""
    from dataclasses import replace

    pack = built["pack"]
    section = replace(pack.sections[0], team_table=[["Team", "X"], ["<b>Team & Co</b>", "1"]])
    html = pack_html(replace(pack, sections=[section]), [b"png"])
    assert "&lt;b&gt;Team &amp; Co&lt;/b&gt;" in html and "<b>Team" not in html


def test_the_pdf_gives_each_chart_s_figures_as_a_table(built: dict) -> None:
    text = _flat(" ".join(p.extract_text() for p in PdfReader(built["pdf"]).pages))
    for section in built["pack"].sections:
        header, *rows = section.figures
        assert len(rows) >= 12, section.area_id
        assert f"The chart's figures: {header[1]}" in text
        month, figure, *_ = rows[-1]  # then status, process mean (limits), signal
        assert f"{month} {figure}" in text


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


def test_pptx_opens_on_the_summary_then_two_slides_an_exception_area(built: dict) -> None:
    pack, prs = built["pack"], Presentation(built["pptx"])
    assert prs.core_properties.title == pack.title
    slides = list(prs.slides)
    titles = [s.shapes.title.text if s.shapes.title else "" for s in slides]
    assert titles[1] == pack.headline  # the first content slide is the summary
    summary_text = _slide_texts(slides[1])
    for line in pack.state.exceptions:
        assert f"{line.icon} {line.short} {line.value}, {line.since}" in summary_text
    figures = _council_figures(built["db"], pack.month)
    for section in pack.sections:
        chart = slides[titles.index(section.finding)]
        pictures = [s for s in chart.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr").startswith("Line chart of")
        doing = " and what we are doing" if section.commentary else ""
        assert titles[titles.index(section.finding) + 1] == f"{section.title}: the headlines{doing}"
        words = _slide_texts(slides[titles.index(section.finding) + 1])
        notes = _flat(chart.notes_slide.notes_text_frame.text)
        mine = [x for x in pack.state.exceptions if x.area == section.area_id]
        for line in mine[:3]:  # three headlines on the slide, every one in the notes
            assert f"{line.measure}: {figures[line.measure]}, " in words
        for line in mine:
            assert f"{line.measure}: {figures[line.measure]}, " in notes
        by_team = f"{section.title}: by team"
        tables = [s for s, t in zip(slides, titles, strict=True) if t == by_team]
        assert tables and any(sh.has_table for sh in tables[0].shapes)
        assert titles.index(by_team) > titles.index("Appendix")


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
    assert len(Presentation(out).slides) > 2 * len(built["pack"].sections)
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
    page = next(p for p in pages if "How we compare" in p)  # in the appendix
    assert rows[0][1] in page
    slides = list(Presentation(built["pptx"]).slides)
    assert "How we compare" in [s.shapes.title.text for s in slides if s.shapes.title]


def test_dfe_symbols_are_shown_with_their_meaning_in_both_packs(built: dict) -> None:
    """The DfE's symbols (c, low, k, u, x, z) with their meanings on the "How we compare" page
    and slide; each neighbour's figure is a number or a symbol with its meaning, never blank."""
    pack = built["pack"]
    symbols = dict(pack.symbols)
    assert {"c", "low", "k", "u", "x", "z"} <= set(symbols)
    pages = [_flat(p.extract_text()) for p in PdfReader(built["pdf"]).pages]
    compare = " ".join(p for p in pages if "How we compare" in p or "The DfE's symbols" in p)
    assert "c suppressed to protect confidentiality" in compare
    assert "k, low rounds to zero, but is not zero" in compare
    assert all(row[2].strip() for row in pack.neighbours[1:])
    slides = list(Presentation(built["pptx"]).slides)
    key = next(s for s in slides if s.shapes.title and s.shapes.title.text.endswith("symbols"))
    assert "z not applicable" in _slide_texts(key)


def test_the_publication_rule_is_stated_on_every_area_page(built: dict) -> None:
    pack = built["pack"]
    assert pack.suppression_note == PUBLICATION.note()
    pages = [_flat(p.extract_text()) for p in PdfReader(built["pdf"]).pages]
    sections = pack.sections
    starts = [next(i for i, t in enumerate(pages) if t.startswith(s.finding)) for s in sections]
    for section, start, end in zip(sections, starts, [*starts[1:], len(pages)], strict=True):
        assert _flat(PUBLICATION.note()) in " ".join(pages[start:end]), section.title
        # a heading is never alone at the foot of a page: the chart follows it
        assert len(pages[start].split()) > 40, section.title


def test_the_command_line_chooses_the_suppression_mode(built: dict, tmp_path: Path) -> None:
    from reports.__main__ import _suppressor

    assert _suppressor(None) is None  # the council's setting
    assert _suppressor("internal") is SHOW_ALL
    assert _suppressor("for_publication").enabled


def test_the_comparison_csv_keeps_dfe_symbols_with_their_meaning(
    built: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A neighbour the DfE published no figure for is exported as the symbol and its meaning
    (never a blank cell), and the symbols' key closes the file."""
    import csv
    import io

    from reports import content
    from reports.pack import comparison_csv

    suppressed = comparison.symbol_words("c")
    real = comparison.neighbour_table

    def with_a_suppressed_neighbour(result):
        table = real(result).copy()
        table.loc[len(table)] = ["Hidden Borough", suppressed]
        return table

    monkeypatch.setattr(content.comparison, "neighbour_table", with_a_suppressed_neighbour)
    text = comparison_csv(built["db"], built["pack"].month).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    hidden = [r for r in rows if r[0] == "Neighbour's figure" and r[2] == "Hidden Borough"]
    assert hidden and all(r[4] == "c — suppressed to protect confidentiality" for r in hidden)
    assert all(r[4] for r in rows[1:] if r[0] == "Neighbour's figure")
    key = {r[1]: r[2] for r in rows if r[0] == "DfE symbol"}
    assert key["z"] == "not applicable" and key["low"] == "rounds to zero, but is not zero"
    out = tmp_path / "compare.csv"
    month = f"{built['pack'].month:%Y-%m}"
    assert main(["compare-csv", "--db", str(built["db"]), "--month", month, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfSection,")


def test_no_slide_table_runs_into_the_slide_number(built: dict) -> None:
    """Each table's height at 18 pt, estimated from its words and column widths, fits
    between the title band and the slide number (a wrapped header once ran into it)."""
    from reports.slides import BODY_TOP, FOOT, HIGH, _height

    for n, slide in enumerate(Presentation(built["pptx"]).slides, start=1):
        for shape in slide.shapes:
            if shape.has_table:
                rows = [[c.text for c in row.cells] for row in shape.table.rows]
                assert _height(rows, shape.width) <= HIGH - BODY_TOP - FOOT, n


@pytest.fixture(scope="module")
def demo_month_packs(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both packs for the demo's latest month (March 2022), as the command line writes them."""
    folder = tmp_path_factory.mktemp("demo-month")
    month = max(api.months(demo_db))
    built = {"month": month, "pack": board_pack(demo_db, month, produced=PRODUCED)}
    for fmt in ("pdf", "pptx"):
        built[fmt] = folder / f"pack.{fmt}"
        args = ["board-pack", "--db", str(demo_db), "--month", f"{month:%Y-%m}"]
        assert main([*args, "--format", fmt, "--out", str(built[fmt])]) == 0
    return built


def test_the_demo_month_s_pack_is_read_in_ten_minutes(demo_month_packs: dict) -> None:
    """At most 14 PDF pages and 15 slides before the appendix; the summary on the first page
    and the first content slide; every generated sentence names its measure; no brackets
    within brackets."""
    pack = demo_month_packs["pack"]
    pages = [_flat(p.extract_text()) for p in PdfReader(demo_month_packs["pdf"]).pages]
    body = pages[: next(i for i, t in enumerate(pages) if t.startswith("Appendix"))]
    print(f"PDF: {len(pages)} pages, {len(body)} before the appendix")
    assert len(body) <= 14
    assert pack.headline in pages[0]
    assert all(x.measure in pages[0] for x in pack.state.exceptions)
    slides = list(Presentation(demo_month_packs["pptx"]).slides)
    titles = [s.shapes.title.text if s.shapes.title else "" for s in slides]
    print(f"Slides: {len(slides)}, {titles.index('Appendix')} before the appendix")
    assert titles.index("Appendix") <= 15 and titles[1] == pack.headline
    # each exception area's second slide carries what is being done, the table every action
    assert any(section.commentary for section in pack.sections)
    for section in pack.sections:
        words = _slide_texts(slides[titles.index(section.finding) + 1])
        for line in section.commentary[:1]:
            assert "What we are doing about it:" in words and _flat(line) in words
    assert titles.index("Open actions") > titles.index("Appendix")
    actions_text = " ".join(
        _slide_texts(s)
        for s in slides
        if s.shapes.title and s.shapes.title.text.startswith("Open actions")
    )
    assert all(row[2] in actions_text for row in pack.actions[1:])
    assert "Open actions" in " ".join(body)  # and the PDF's body ends on them
    names = {k.title for k in api.all_kpis()} | {k.short_title for k in api.all_kpis()}
    for section in pack.sections:
        for sentence in section.narrative:
            assert any(sentence.startswith(f"{n}: ") for n in names), sentence
            assert not re.search(r"\([^()]*\(", sentence), sentence
    assert not any(re.search(r"\([^()]*\(", page) for page in body)
