"""The board pack as PowerPoint slides (16:9), for the meeting screen or to send on.

A cover slide, the summary table, then one slide per area: the chart as a picture with alt
text, each measure's headline sentence beside it and the team table below. The full
narrative for the area goes in the slide's speaker notes.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from metrics.formatting import uk_month
from reports.content import STATUS_KEY, AreaSection, BoardPack

TITLE_AND_SUBTITLE, TITLE_ONLY = 0, 5
WIDE, HIGH = Inches(13.333), Inches(7.5)


def _text_box(slide, left, top, width, height, lines: list[str], size: int) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.space_after = Pt(4)


def _table(slide, rows: list[list[str]], left, top, width, size: int) -> None:
    row_height = Emu(int(Pt(size) * 2.0))
    height = row_height * len(rows)
    shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, height)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = text
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(size)
                paragraph.font.bold = r == 0
            cell.margin_top = cell.margin_bottom = Pt(1)


def _titled(prs: Presentation, title: str):
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
    return slide


def _cover(prs: Presentation, pack: BoardPack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_SUBTITLE])
    slide.shapes.title.text = f"{pack.council}: improvement board pack, {uk_month(pack.month)}"
    slide.placeholders[1].text = "\n".join(pack.cover_lines)
    for paragraph in slide.placeholders[1].text_frame.paragraphs:
        paragraph.font.size = Pt(16)


def _summary(prs: Presentation, pack: BoardPack) -> None:
    slide = _titled(prs, "Summary of every measure")
    rows = [["Measure", uk_month(pack.month), f"Change since {uk_month(pack.compare)}", "Status"]]
    rows += [[r.kpi, r.value, r.change, f"{r.icon} {r.status}"] for r in pack.summary]
    _table(slide, rows, Inches(0.4), Inches(1.3), WIDE - Inches(0.8), 11)
    _text_box(slide, Inches(0.4), HIGH - Inches(0.5), Inches(12), Inches(0.4), [STATUS_KEY], 10)


def _comparisons(prs: Presentation, pack: BoardPack) -> None:
    if len(pack.comparisons) < 2:
        return
    slide = _titled(prs, "How we compare")
    rows = [row[:-1] for row in pack.comparisons]  # sources are in the notes
    _table(slide, rows, Inches(0.4), Inches(1.3), WIDE - Inches(0.8), 10)
    sources = sorted({row[-1] for row in pack.comparisons[1:]})
    slide.notes_slide.notes_text_frame.text = "Sources: " + "; ".join(sources)


def _area(prs: Presentation, section: AreaSection, picture: bytes) -> None:
    slide = _titled(prs, section.title)
    chart_width = Inches(7.6)
    pic = slide.shapes.add_picture(BytesIO(picture), Inches(0.3), Inches(1.2), width=chart_width)
    pic._element.nvPicPr.cNvPr.set("descr", section.chart_alt)  # alt text (no public API)
    right = Inches(0.3) + chart_width + Inches(0.2)
    _text_box(
        slide, right, Inches(1.2), WIDE - right - Inches(0.3), pic.height, section.headlines, 11
    )
    top = Inches(1.3) + pic.height
    _table(slide, section.team_table, Inches(0.3), top, WIDE - Inches(0.6), 9)
    slide.notes_slide.notes_text_frame.text = "\n".join([*section.narrative, STATUS_KEY])


def write_pptx(pack: BoardPack, pictures: list[bytes], out: Path | BytesIO) -> None:
    """Lay out ``pack`` with one chart picture per area (same order as ``pack.sections``)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    prs.core_properties.title = pack.title
    prs.core_properties.author = pack.council
    prs.core_properties.language = "en-GB"
    _cover(prs, pack)
    _summary(prs, pack)
    _comparisons(prs, pack)
    for section, picture in zip(pack.sections, pictures, strict=True):
        _area(prs, section, picture)
    prs.save(out if isinstance(out, BytesIO) else str(out))
