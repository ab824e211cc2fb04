"""The board pack as a PDF: real text (searchable, read aloud by screen readers), with a title.

Landscape A4: a cover, the summary of every KPI, then each area starting on a new page with
its chart, narrative and team table. Text is set in DejaVu Sans (Debian's fonts-dejavu-core),
which has the status icons (✔ ▲ ✖); the standard PDF fonts do not.
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
from reportlab.platypus import (
    Image,
    KeepInFrame,
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


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13, spaceAfter=5)
    return {
        "cover": ParagraphStyle("cover", parent=body, fontName=BOLD, fontSize=28, leading=34),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=18, leading=22),
        "big": ParagraphStyle("big", parent=body, fontSize=14, leading=20),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5),
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
    widths = [w * cm for w in (3.4, 4.6, 2.0, 2.2, 2.0, 4.4, 2.4, 5.3)]
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
        _table(pack.comparisons, styles, widths),
        PageBreak(),
    ]


def _area(section, picture: bytes, styles: dict) -> list:
    """One page: chart and team table on the left, the narrative on the right.

    Each column shrinks to fit if it must, so an area never spills onto a second page.
    """
    width, height = PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - 2 * cm  # less heading, padding
    left_width = 0.55 * width
    right_width = width - left_width - 0.4 * cm
    left = [
        Image(BytesIO(picture), width=left_width, height=left_width * HEIGHT / WIDTH),
        Paragraph(escape(f"Chart: {section.chart_alt}"), styles["cell"]),
        Spacer(1, 0.3 * cm),
        _table(section.team_table, styles),
        Paragraph(escape(f"Status key: {STATUS_KEY}"), styles["cell"]),
    ]
    right = [Paragraph(escape(s), styles["body"]) for s in section.narrative]
    columns = Table(
        [
            [
                KeepInFrame(left_width, height, left, mode="shrink"),
                KeepInFrame(right_width, height, right, mode="shrink"),
            ]
        ],
        colWidths=[left_width + 0.4 * cm, right_width],
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )
    return [Paragraph(escape(section.title), styles["h1"]), columns, PageBreak()]


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
    doc.build(story[:-1])  # no blank page after the last area
