"""The board pack as a PDF: real text (searchable, read aloud by screen readers), with a
title, the document language (en-GB) and "Page 3 of 12" on every page.

Landscape A4: a cover, the summary of every KPI, then each area starting on a new page with
its chart and headlines side by side, the narrative and the team table (which run on to the
next page rather than shrink: nothing is printed under 9 pt). Text is set in DejaVu Sans
(Debian's fonts-dejavu-core), which has the status icons (✔ ▲ ✖); the standard fonts do not.

Not yet a tagged PDF: reportlab writes no structure tree, so a screen reader gets the text in
reading order but no headings or table cells. WeasyPrint's ``pdf/ua-1`` variant (HTML with
``<h1>``, ``<th>`` and ``alt``) is the well-kept way to get PDF/UA; until then each chart's
text alternative is printed under it.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from metrics.formatting import uk_month
from reports.content import STATUS_KEY, BoardPack
from reports.images import HEIGHT, WIDTH

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE = landscape(A4)
MARGIN = 1.5 * cm
SMALLEST_PT = 9  # the least printed text size: a board member reads it at arm's length


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=14.5, spaceAfter=5)
    return {
        "cover": ParagraphStyle("cover", parent=body, fontName=BOLD, fontSize=28, leading=34),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=18, leading=22),
        "big": ParagraphStyle("big", parent=body, fontSize=14, leading=20),
        "body": body,
        "cell": ParagraphStyle(
            "cell", parent=body, fontSize=SMALLEST_PT, leading=11.5, spaceAfter=0
        ),
        "head": ParagraphStyle(
            "head", parent=body, fontName=BOLD, fontSize=SMALLEST_PT, leading=11.5
        ),
    }


def _table(rows: list[list[str]], styles: dict, widths: list[float] | None = None) -> Table:
    cells = [
        [Paragraph(escape(text), styles["head" if i == 0 else "cell"]) for text in row]
        for i, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _cover(pack: BoardPack, styles: dict) -> list:
    lines = pack.cover_lines
    return [
        Spacer(1, 3 * cm),
        Paragraph(escape(pack.council), styles["cover"]),
        Paragraph(f"Improvement board pack: {uk_month(pack.month)}", styles["h1"]),
        Spacer(1, 1 * cm),
        *[Paragraph(escape(line), styles["big"]) for line in lines],
        PageBreak(),
    ]


def _summary(pack: BoardPack, styles: dict) -> list:
    since = f"Change since {uk_month(pack.compare)}"
    rows = [["Area", "Measure", uk_month(pack.month), since, "Status"]]
    for r in pack.summary:
        rows.append([r.area, r.kpi, r.value, r.change, f"{r.icon} {r.status}"])
    widths = [w * cm for w in (4.5, 9.5, 2.6, 6.5, 3.2)]
    return [
        Paragraph("Summary of every measure", styles["h1"]),
        Paragraph(escape(f"Status key: {STATUS_KEY}"), styles["body"]),
        _table(rows, styles, widths),
        PageBreak(),
    ]


def _comparisons(pack: BoardPack, styles: dict) -> list:
    if len(pack.comparisons) < 2:
        return []
    widths = [w * cm for w in (4.4, 5.4, 2.4, 2.6, 2.4, 4.6, 2.8, 1.6)]
    # Sources (some with long notes on left-out neighbours) go under the table, numbered: in
    # a cell at 9 pt one of them made a row taller than the page.
    sources: dict[str, int] = {}
    rows = [pack.comparisons[0]]
    for row in pack.comparisons[1:]:
        number = sources.setdefault(row[-1], len(sources) + 1)
        rows.append([*row[:-1], str(number)])
    return [
        Paragraph("How we compare", styles["h1"]),
        Paragraph(
            escape(
                "Our latest month against the latest published annual figures. Statistical "
                "neighbours are the mean or median (the row says which) of the neighbours in "
                "the council's settings; \"All councils\" is our place among every council's "
                "published figure, best first, and its quartile band (A best, D worst). "
                "Figures marked illustrative are not published statistics."
            ),
            styles["body"],
        ),
        _table(rows, styles, widths),
        Spacer(1, 0.3 * cm),
        *[Paragraph(escape(f"Source {n}: {text}"), styles["cell"]) for text, n in sources.items()],
        PageBreak(),
    ]


def _area(section, picture: bytes, styles: dict) -> list:
    """An area from a new page: the chart with each measure's headline beside it, the chart's
    text alternative, then the narrative and the team table, running on as far as they need.

    The chart is printed 16 cm wide, so its 20 px text (of 900 px) is 10 pt.
    """
    width = PAGE[0] - 2 * MARGIN
    chart_width = 0.6 * width
    side_width = width - chart_width - 0.4 * cm
    top = Table(
        [
            [
                Image(BytesIO(picture), width=chart_width, height=chart_width * HEIGHT / WIDTH),
                [Paragraph(escape(s), styles["body"]) for s in section.headlines],
            ]
        ],
        colWidths=[chart_width + 0.4 * cm, side_width],
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )
    headlines = set(section.headlines)
    return [
        Paragraph(escape(section.title), styles["h1"]),
        top,
        Paragraph(escape(f"Chart: {section.chart_alt}"), styles["cell"]),
        Spacer(1, 0.3 * cm),
        *[Paragraph(escape(s), styles["body"]) for s in section.narrative if s not in headlines],
        Spacer(1, 0.2 * cm),
        _table(section.team_table, styles),
        Paragraph(escape(f"Status key: {STATUS_KEY}"), styles["cell"]),
        PageBreak(),
    ]


class _NumberedCanvas(Canvas):
    """Writes "Page 3 of 12" and the pack's title at the foot of every page.

    The total is known only once every page is laid out, so each page's drawing is kept and
    the footers are written at the end (reportlab's own two-pass pattern).
    """

    footer = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, SMALLEST_PT)
            self.setFillColor(colors.HexColor("#333333"))
            self.drawString(MARGIN, MARGIN / 2, self.footer)
            self.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, f"Page {number} of {total}")
            super().showPage()
        super().save()


def write_pdf(pack: BoardPack, pictures: list[bytes], out: Path | BytesIO) -> None:
    """Lay out ``pack`` with one chart picture per area (same order as ``pack.sections``)."""
    _register_fonts()
    styles = _styles()
    story = _cover(pack, styles) + _summary(pack, styles) + _comparisons(pack, styles)
    for section, picture in zip(pack.sections, pictures, strict=True):
        story += _area(section, picture, styles)
    doc = SimpleDocTemplate(
        out if isinstance(out, BytesIO) else str(out),
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=pack.title,
        author=pack.council,
        subject=f"Children's social care performance, {uk_month(pack.month)}",
        lang="en-GB",
    )
    footer = type("Footer", (_NumberedCanvas,), {"footer": pack.title})
    doc.build(story[:-1], canvasmaker=footer)  # no blank page after the last area
