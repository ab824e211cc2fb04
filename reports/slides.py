"""The board pack as PowerPoint slides (16:9), for the meeting screen or to send on.

At most fifteen slides before the appendix, opening on what is red: a cover; the state of
the service (every exception with its figure and since when, on one slide); the measures on
track together on one; then per area with a measure off track two: its finding as the title
over the worst measure's chart (alt text on the picture) and its exceptions, then their
headlines and what we are doing about them; then per area only at risk one, its finding
over those headlines and what we are doing (no chart). The appendix (every open action, each area's
teams, how we compare, the DfE's symbols, the status key) follows a slide headed
"Appendix". Every word is at least 18 pt and every
slide is numbered. python-pptx's default template is 4:3,
so its title placeholders are moved and sized for the 13.33 in × 7.5 in slide; everything
else sits below the title band, so nothing overlaps it. Long tables run on to further
slides ("continued") rather than shrink. The full narrative for the area goes in the notes.
"""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path

from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from metrics.formatting import uk_month
from metrics.status import NO_DATA, ON_TRACK
from reports.content import STATUS_KEY, AreaSection, BoardPack

TITLE_AND_SUBTITLE, TITLE_ONLY = 0, 5
WIDE, HIGH = Inches(13.333), Inches(7.5)
SIDE = Inches(0.4)
TITLE_TOP, TITLE_HIGH = Inches(0.25), Inches(0.9)
BODY_TOP = TITLE_TOP + TITLE_HIGH + Inches(0.15)  # everything below the title band
FOOT = Inches(0.5)  # the slide number's band at the bottom
BODY_PT, TITLE_PT = 18, 30
LONG_TITLE, LONG_TITLE_PT = 70, 24  # characters; a finding longer than that is set at 24 pt
#: Rows (with the header) and columns a table slide holds at 18 pt, cells wrapping to two
#: lines; a cell longer than ``LONGEST_CELL`` characters is left to the notes.
TABLE_ROWS, TABLE_COLUMNS = 7, 6
LONGEST_CELL = 120
#: Headlines on an area's second slide at 18 pt, above its commentary and actions as many of
#: those as fit; the rest are in the notes.
HEADLINES_SHOWN = 3
MORE = "The rest: in this slide's notes and the PDF pack."
#: An area's chart on its slide: 24 px text of a 900 px picture 9.6 in wide prints at 18.4 pt.
CHART_WIDE = Inches(9.6)


def _text_box(
    slide, left, top, width, height, lines: list[str], size: int = BODY_PT, gap: int = 6
) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.space_after = Pt(gap)


def _column_widths(rows: list[list[str]], width: int) -> list[Emu]:
    """Every column at least as wide as its longest word in bold 18 pt (about 0.7 em a
    character, plus the cell's margins): "Period", "workers" and "caseload" were broken
    mid-word. What is left is shared as the longest text needs (within limits)."""
    columns = range(len(rows[0]))
    floors = [
        Pt(BODY_PT) * 0.7 * max(len(w) for row in rows for w in (row[c].split() or [""]))
        + Inches(0.25)
        for c in columns
    ]
    if sum(floors) > width:  # very long words: share the width rather than leave the slide
        floors = [f * width / sum(floors) for f in floors]
    needs = [min(max(len(row[c]) for row in rows), 40) + 6 for c in columns]
    needs[0] += 6  # row names (teams, measures) break mid-word sooner than figures
    spare = max(width - sum(floors), 0)
    return [Emu(int(f + spare * n / sum(needs))) for f, n in zip(floors, needs, strict=True)]


def _height(rows: list[list[str]], width: int) -> int:
    """The table's height at 18 pt, estimated: each row as many lines as its most wrapped
    cell (about 0.6 em a character), 1.2 lines apart, plus the cell margins."""
    widths = _column_widths(rows, width)
    total = 0
    for row in rows:
        lines = [_wrapped(text, w) for text, w in zip(row, widths, strict=True)]
        total += max(lines) * LINE + Pt(6)
    return int(total)


#: One line of 18 pt text, 1.2 lines apart.
LINE = Pt(BODY_PT) * 1.2


def _wrapped(text: str, width: int) -> int:
    """How many lines ``text`` takes at 18 pt in a box ``width`` wide, estimated: about
    0.6 em a character, less the box's margins."""
    return math.ceil(len(text) * Pt(BODY_PT) * 0.6 / max(width - Inches(0.2), 1)) or 1


ROW_HIGH = Emu(int(Pt(BODY_PT) * 2.1))
COMPACT_ROW = Emu(int(Pt(BODY_PT) * 1.45))  # one line of 18 pt and the cell's margins


def _table(slide, rows: list[list[str]], top, row_height: int = ROW_HIGH) -> None:
    """A real table (a screen reader reads its cells), header row bold, 18 pt."""
    width = WIDE - 2 * SIDE
    shape = slide.shapes.add_table(
        len(rows), len(rows[0]), SIDE, top, width, row_height * len(rows)
    )

    for column, each in zip(shape.table.columns, _column_widths(rows, width), strict=True):
        column.width = each
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = text
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(BODY_PT)
                paragraph.font.bold = r == 0
            cell.margin_top = cell.margin_bottom = Pt(2)


def _place_title(slide, title: str) -> None:
    """The title in its band: a long one (an area's finding) a little smaller, so two lines
    hold it."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = SIDE, TITLE_TOP, WIDE - 2 * SIDE, TITLE_HIGH
    shape.text = title
    paragraph = shape.text_frame.paragraphs[0]
    paragraph.font.size = Pt(TITLE_PT if len(title) <= LONG_TITLE else LONG_TITLE_PT)
    paragraph.font.bold = True


def _titled(prs: Presentation, title: str):
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    _place_title(slide, title)
    return slide


def _cover(prs: Presentation, pack: BoardPack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_SUBTITLE])
    _place_title(slide, f"{pack.council}: improvement board pack, {uk_month(pack.month)}")
    slide.shapes.title.top = Inches(1.5)
    body = slide.placeholders[1]
    body.left, body.top, body.width, body.height = SIDE, Inches(3), WIDE - 2 * SIDE, Inches(3.6)
    body.text = "\n".join(pack.cover_lines)
    for paragraph in body.text_frame.paragraphs:
        paragraph.font.size = Pt(BODY_PT + 2)


def _chunks(rows: list[list[str]], size: int) -> list[list[list[str]]]:
    """The body rows in groups of ``size``, each group under the header row again."""
    header, body = rows[0], rows[1:]
    return [[header, *body[i : i + size]] for i in range(0, max(len(body), 1), size)]


def _fitting(rows: list[list[str]]) -> list[list[list[str]]]:
    """``rows`` (header first) split so each part's estimated height fits above the slide
    number: a wrapped header and three-line cells once ran into "15 of 59"."""
    room = HIGH - BODY_TOP - FOOT
    header, parts, part = rows[0], [], [rows[0]]
    for row in rows[1:]:
        if len(part) > 1 and _height([*part, row], WIDE - 2 * SIDE) > room:
            parts.append(part)
            part = [header]
        part.append(row)
    return [*parts, part]


def _table_slides(
    prs: Presentation, title: str, rows: list[list[str]], notes: str = "", compact: bool = False
) -> None:
    """As many slides as the table needs at 18 pt; the first column repeats on each.
    ``compact`` rows are as tall as their text, not a fixed height, so a team table of ten
    teams fits one slide when its cells do not wrap (``_fitting`` checks)."""
    rest = list(range(1, len(rows[0])))
    step = TABLE_COLUMNS - 1
    columns = [rest[i : i + step] for i in range(0, len(rest), step)] or [[]]
    per_slide = len(rows) if compact else TABLE_ROWS - 1
    parts = [
        piece
        for cols in columns
        for chunk in _chunks(rows, per_slide)
        for piece in _fitting([[row[0], *(row[c] for c in cols)] for row in chunk])
    ]
    for i, part in enumerate(parts):
        slide = _titled(prs, title if i == 0 else f"{title} (continued)")
        _table(slide, part, BODY_TOP, COMPACT_ROW if compact else ROW_HIGH)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes


def _columns(slide, items: list[list[str]], gap: int = 2) -> None:
    """``items`` (each a few lines kept together) in two text columns below the title, the
    first column the longer."""
    half = math.ceil(len(items) / 2)
    column = (WIDE - 2 * SIDE) / 2
    room = HIGH - BODY_TOP - FOOT
    for i, part in enumerate((items[:half], items[half:])):
        lines = [line for item in part for line in item]
        _text_box(slide, SIDE + int(column * i), BODY_TOP, int(column), room, lines, gap=gap)


def _summary(prs: Presentation, pack: BoardPack) -> None:
    """The exceptions on one slide, worst first, in two columns: each the measure (icon and
    short name) over its figure, status and since when."""
    slide = _titled(prs, pack.headline)
    items = [[f"{x.icon} {x.short}", f"{x.value}, {x.since}"] for x in pack.state.exceptions]
    _columns(slide, items or [["Every measure is on track."]])
    notes = [f"{x.measure}: {x.value}, {x.since}. {x.reason}." for x in pack.state.lines]
    slide.notes_slide.notes_text_frame.text = "\n".join([*notes, f"Status key: {STATUS_KEY}"])


def _on_track(prs: Presentation, pack: BoardPack) -> None:
    """Every measure on track (then any with no data, saying why) on one slide, in two
    columns of short names and figures."""
    on_track = pack.state.with_status(ON_TRACK, NO_DATA)
    if not on_track:
        return
    slide = _titled(prs, pack.on_track_heading)
    _columns(
        slide,
        [[f"{x.icon} {x.short}: {x.value if x.status == ON_TRACK else x.since}"] for x in on_track],
        gap=0,
    )
    slide.notes_slide.notes_text_frame.text = "\n".join(
        f"{x.measure}: {x.value}, {x.since}." for x in on_track
    )


def _comparisons(prs: Presentation, pack: BoardPack) -> None:
    if len(pack.comparisons) < 2:
        return
    rows, long = [], []
    for row in pack.comparisons:  # figures and sources are in the notes
        if len(row[0]) > LONGEST_CELL:  # the list of measures nothing is published for
            long.append(f"{row[1]}: {row[0]}")
            row = ["Other measures (listed in the notes)", *row[1:]]
        rows.append(row[:6])
    sources = sorted({row[-1] for row in pack.comparisons[1:]})
    key = [f"{symbol}: {meaning}" for symbol, meaning in pack.symbol_rows[1:]]
    # each neighbour's figure (a number, or a DfE symbol with its meaning) is in the notes
    figures = [" — ".join(row) for row in pack.neighbours[1:]]
    notes = "\n".join(
        [*long, "Sources: " + "; ".join(sources), *figures, "The DfE's symbols:", *key]
    )
    _table_slides(prs, "How we compare", rows, notes)
    if len(pack.symbol_rows) > 1:  # a symbol in a figure is shown with its meaning
        _table_slides(prs, "How we compare: the DfE's symbols", pack.symbol_rows, notes)


def _area(prs: Presentation, section: AreaSection, lines: list[str], picture: bytes) -> None:
    """Two slides: the finding over the worst measure's chart, drawn wide enough that its
    24 px text of 900 px prints at 18 pt or more, with the area's exceptions listed beside
    it; then the exceptions' headlines and, under them, what we are doing about it (the
    owners' commentary and actions), as many of each as fit at 18 pt. The whole narrative
    and commentary are in the notes; the team table is in the appendix."""
    slide = _titled(prs, section.finding)
    room = HIGH - BODY_TOP - FOOT
    pic = slide.shapes.add_picture(BytesIO(picture), SIDE, BODY_TOP, width=CHART_WIDE)
    pic._element.nvPicPr.cNvPr.set("descr", section.chart_alt)  # alt text (no public API)
    left = SIDE + CHART_WIDE + Inches(0.2)
    _text_box(slide, left, BODY_TOP, WIDE - SIDE - left, room, lines, gap=4)
    notes = "\n".join([*section.narrative, STATUS_KEY])
    slide.notes_slide.notes_text_frame.text = notes
    doing_too = " and what we are doing" if section.commentary else ""
    _headlines(prs, f"{section.title}: the headlines{doing_too}", section)


def _headlines(prs: Presentation, title: str, section: AreaSection) -> None:
    """An area's exceptions' headlines and, under them, what we are doing about it, as many
    of each as fit at 18 pt; everything, the narrative too, in the notes."""
    room = HIGH - BODY_TOP - FOOT
    notes = "\n".join([*section.narrative, STATUS_KEY])
    words = _titled(prs, title)
    shown = _fitting_lines(section.headlines[:HEADLINES_SHOWN] or ["No figures for this month."])
    heading = ["What we are doing about it:"] if section.commentary else []
    doing = _fitting_lines(section.commentary, room - _lines_height([*shown, *heading, MORE]))
    cut = len(shown) < len(section.headlines) or len(doing) < len(section.commentary)
    lines = [*shown, *(heading if doing else []), *doing, *([MORE] if cut else [])]
    _text_box(words, SIDE, BODY_TOP, WIDE - 2 * SIDE, room, lines)
    words.notes_slide.notes_text_frame.text = "\n".join([notes, *section.commentary])


def _lines_height(lines: list[str], width: int = WIDE - 2 * SIDE) -> int:
    """The height of ``lines`` at 18 pt in a text box ``width`` wide, as ``_height``
    estimates a table's (``_wrapped``), each paragraph 6 pt apart."""
    return int(sum(_wrapped(line, width) for line in lines) * LINE + len(lines) * Pt(6))


def _fitting_lines(lines: list[str], room: int = HIGH - BODY_TOP - FOOT) -> list[str]:
    """As many of ``lines`` as fit ``room`` at 18 pt (the rest go to the notes)."""
    shown: list[str] = []
    for line in lines:
        if _lines_height([*shown, line]) > room:
            break
        shown.append(line)
    return shown


def _appendix(prs: Presentation, pack: BoardPack) -> None:
    """The appendix: its heading slide with the status key, the open actions (past due
    first), each area's team table, then the comparisons."""
    slide = _titled(prs, "Appendix")
    lines = [
        "Every open action, each area's figures by team, then how we compare with England, "
        "the region and statistical neighbours, and the DfE's symbols.",
        f"Status key: {STATUS_KEY}",
        pack.suppression_note,
    ]
    _text_box(slide, SIDE, BODY_TOP, WIDE - 2 * SIDE, HIGH - BODY_TOP - FOOT, lines)
    if len(pack.actions) > 1:
        _table_slides(prs, "Open actions", pack.actions)
    for section in [*pack.sections, *pack.watching]:
        title = f"{section.title}: by team"
        _table_slides(prs, title, section.team_table, STATUS_KEY, compact=True)
    _comparisons(prs, pack)


def _number(prs: Presentation) -> None:
    """ "3 of 24" at the foot of every slide after the cover."""
    total = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        if n == 1:
            continue
        width = Inches(2)
        _text_box(slide, WIDE - SIDE - width, HIGH - FOOT, width, FOOT, [f"{n} of {total}"])
        slide.shapes[-1].text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def write_pptx(pack: BoardPack, pictures: list[bytes], out: Path | BytesIO) -> None:
    """Lay out ``pack`` with one chart picture per area (same order as ``pack.sections``)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    prs.core_properties.title = pack.title
    prs.core_properties.author = pack.council
    prs.core_properties.language = "en-GB"
    _cover(prs, pack)
    _summary(prs, pack)
    _on_track(prs, pack)
    for section, picture in zip(pack.sections, pictures, strict=True):
        mine = [x for x in pack.state.exceptions if x.area == section.area_id]
        _area(prs, section, [f"{x.icon} {x.short}: {x.value}" for x in mine], picture)
    for section in pack.watching:  # one slide each, no chart: measures near their target
        _headlines(prs, section.finding, section)
    _appendix(prs, pack)
    _number(prs)
    prs.save(out if isinstance(out, BytesIO) else str(out))
