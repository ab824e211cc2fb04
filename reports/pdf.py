"""The board pack as a tagged PDF (PDF/UA-1), laid out from HTML by WeasyPrint.

Why WeasyPrint: a screen reader needs a tagged PDF (headings, table cells, pictures with
alt text, the document language), and reportlab, which drew the pack before, writes no
structure tree. WeasyPrint's ``pdf/ua-1`` variant tags the PDF from the HTML it lays out:
``<h1>``/``<h2>`` become H1/H2, ``<th scope>`` table headers, ``<img alt>`` a Figure with
/Alt, and ``<html lang>`` the document's /Lang. It is pure Python over Pango (Debian's
``libpango-1.0-0`` and ``libpangoft2-1.0-0``, installed by ``scripts/setup.sh``).

Landscape A4, read in ten minutes, opening on what is red: the first page is the title, the
cover facts and the state of the service (every exception with its figure and since when),
with every measure on track in one table running on under it; then each area with a measure
off track from a new page, headed with its finding: its worst measure's chart with each
exception's headline beside it, the narrative, what we are doing about it and the team
table; then, from one new page and running on, each area only at risk (its finding, each
exception's headline, what we are doing about it and the team table, no chart); then every
open action. The appendix, headed "Appendix", holds the status key, how
we compare (with the DfE's symbols and their meanings) and each chart's figures as a table.
"Page 3 of 12" is a CSS ``@page`` counter. Nothing is printed under
9 pt, chart text included: a chart is printed ``CHART_WIDTH_CM`` wide, so its
``PACK_CHART_FONT_PX`` text of a ``WIDTH`` px picture is ``chart_text_pt()``. Text is set
in DejaVu Sans (Debian's fonts-dejavu-core), which has the status icons (✔ ▲ ✖).

Every value put in the HTML goes through ``html.escape``: team names, narrative and figures
come from council files.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from io import BytesIO
from pathlib import Path

from metrics.comparison import NO_COMPARISON
from metrics.formatting import uk_month
from reports.content import PACK_CHART_FONT_PX, STATUS_KEY, AreaSection, BoardPack
from reports.images import HEIGHT, WIDTH

PDF_VARIANT = "pdf/ua-1"
LANGUAGE = "en-GB"
SMALLEST_PT = 9  # the least printed text size: a board member reads it at arm's length
PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 29.7, 21.0, 1.5
#: Narrow enough that an area's chart, headlines, narrative and team table share a page
CHART_WIDTH_CM = 13.0
BESIDE_CHART = 4  # headlines beside the chart; more run on under it
PT_PER_CM = 72 / 2.54


def chart_text_pt() -> float:
    """The printed size of a chart's text: its pixels scaled to the picture's printed width."""
    return PACK_CHART_FONT_PX * CHART_WIDTH_CM * PT_PER_CM / WIDTH


CSS = f"""
@page {{
  size: A4 landscape;
  margin: {MARGIN_CM}cm {MARGIN_CM}cm 1.8cm;
  @bottom-left {{
    content: string(pack-title);
    font-family: "DejaVu Sans"; font-size: {SMALLEST_PT}pt; color: #333;
  }}
  @bottom-right {{
    content: "Page " counter(page) " of " counter(pages);
    font-family: "DejaVu Sans"; font-size: {SMALLEST_PT}pt; color: #333;
  }}
}}
html {{ font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.35;
  color: #111; }}
h1 {{ font-size: 20pt; line-height: 1.2; margin: 0 0 0.2cm; string-set: pack-title content(); }}
h2 {{ font-size: 18pt; margin: 0 0 0.3cm; break-after: avoid; }}
h3 {{ font-size: 12pt; margin: 0.4cm 0 0.15cm; break-after: avoid; }}
h4 {{ font-size: 11pt; margin: 0.2cm 0 0.1cm; break-after: avoid; }}
p {{ margin: 0 0 0.2cm; }}
.cover p {{ font-size: 10pt; margin: 0 0 0.1cm; }}
.cover h2 {{ margin-top: 0.3cm; }}
section {{ break-before: page; }}
/* the measures on track run on under the exceptions: the first page is otherwise half empty */
section.cover, section.flow {{ break-before: auto; }}
.watch {{ margin-bottom: 0.5cm; }}
.watch h3 {{ font-size: 14pt; }}
section.flow h2 {{ margin-top: 0.5cm; }}
.top {{ display: flex; gap: 0.5cm; align-items: flex-start; }}
figure {{ margin: 0; flex: none; width: {CHART_WIDTH_CM}cm; }}
figure img {{ width: {CHART_WIDTH_CM}cm; height: {CHART_WIDTH_CM * HEIGHT / WIDTH:.2f}cm;
  display: block; }}
.headlines {{ flex: 1; }}
.headlines p {{ margin-bottom: 0.3cm; }}
table {{ border-collapse: collapse; font-size: {SMALLEST_PT + 0.5}pt; line-height: 1.25;
  margin: 0 0 0.2cm; width: 100%; }}
th, td {{ border: 0.5pt solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }}
thead th {{ background: #e8eef4; }}
tbody th {{ font-weight: normal; }}
tr {{ break-inside: avoid; }}
.keep {{ break-inside: avoid; }}
.figures {{ break-inside: avoid; }}  /* a chart's 24 months together, never split */
.small {{ font-size: {SMALLEST_PT}pt; }}
/* The summary's columns set, not left to the longest cell: its measure names wide enough
   that they seldom wrap (left to the layout, a third ran to two lines and 20 exceptions, the
   demo's June 2021, ran off the first page); status and figure on one line. */
table.summary {{ font-size: {SMALLEST_PT}pt; table-layout: fixed; }}
table.summary :is(th, td) {{ padding: 1pt 4pt; }}
table.exceptions td:nth-child(2), table.exceptions td:nth-child(3) {{ white-space: nowrap; }}
table.exceptions thead th:nth-child(1) {{ width: 40%; }}
table.exceptions thead th:nth-child(2) {{ width: 8%; }}
table.exceptions thead th:nth-child(3) {{ width: 14%; }}
table.exceptions thead th:nth-child(4) {{ width: 19%; }}
table.on-track td:nth-child(2) {{ white-space: nowrap; }}
table.on-track thead th:nth-child(1) {{ width: 44%; }}
table.on-track thead th:nth-child(2) {{ width: 15%; }}
table.on-track thead th:nth-child(3) {{ width: 21%; }}
"""


def _table(rows: Sequence[Sequence[str]], row_headers: bool = True, cls: str = "") -> str:
    """A real table: column headers (``th scope=col``), and the first cell of each row a row
    header (``th scope=row``), so a screen reader names a cell by its team and measure."""
    if not rows:
        return ""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in rows[0])
    body = []
    for row in rows[1:]:
        cells = [
            f'<th scope="row">{escape(c)}</th>'
            if i == 0 and row_headers
            else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    attribute = f' class="{cls}"' if cls else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _paragraphs(lines: Sequence[str], cls: str = "") -> str:
    attribute = f' class="{cls}"' if cls else ""
    return "".join(f"<p{attribute}>{escape(line)}</p>" for line in lines)


def _first_page(pack: BoardPack) -> str:
    """The title, the cover facts and the state of the service: every exception."""
    return (
        f'<section class="cover"><h1>{escape(pack.title)}</h1>'
        f"{_paragraphs(pack.cover_lines)}<h2>{escape(pack.headline)}</h2>"
        f"{_table(pack.exception_rows, cls='summary exceptions')}</section>"
    )


def _on_track(pack: BoardPack) -> str:
    """Every measure not off track or at risk (on track, or with no data and why), together
    in one table."""
    if len(pack.on_track_rows) < 2:
        return ""
    table = _table(pack.on_track_rows, cls="summary on-track")
    return f'<section class="flow"><h2>{escape(pack.on_track_heading)}</h2>{table}</section>'


def _neighbour_table(rows: Sequence[Sequence[str]]) -> str:
    """Each neighbour's figure, neighbours down and measures across (a compact real table)."""
    measures = list(dict.fromkeys(r[0] for r in rows[1:]))
    names = list(dict.fromkeys(r[1] for r in rows[1:]))
    figure = {(r[0], r[1]): r[2] for r in rows[1:]}
    table = [["Neighbour", *measures]]
    table += [
        [n, *(figure.get((m, n), "not a neighbour for this") for m in measures)] for n in names
    ]
    return _table(table)


def _comparisons(pack: BoardPack) -> str:
    if len(pack.comparisons) < 2:
        return ""
    # Sources (some with long notes on left-out neighbours) go under the table, numbered; the
    # measures with no published comparison are named in a sentence, not a very wide cell.
    sources: dict[str, int] = {}
    rows, uncompared = [pack.comparisons[0]], []
    for row in pack.comparisons[1:]:
        if row[1] == NO_COMPARISON:
            uncompared.append(f"{NO_COMPARISON} for: {row[0]}.")
            continue
        number = sources.setdefault(row[-1], len(sources) + 1)
        rows.append([*row[:-1], str(number)])
    intro = (
        "Our latest month against the latest published annual figures. Statistical "
        "neighbours are the mean or median (the row says which) of the neighbours in the "
        "council's settings; \"All councils\" is our place among every council's published "
        "figure, best first, and its quartile band (A best, D worst). Figures marked "
        "illustrative are not published statistics."
    )
    key = (
        '<div class="keep"><h3>The DfE\'s symbols</h3><p>Where the DfE publishes no figure '
        "it prints a symbol; we show the symbol with its meaning, never a blank.</p>"
        f"{_table(pack.symbol_rows)}</div>"
        if len(pack.symbol_rows) > 1
        else ""
    )
    neighbours = (
        "<h3>Each statistical neighbour's figure</h3>" + _neighbour_table(pack.neighbours)
        if len(pack.neighbours) > 1
        else ""
    )
    listed = [f"Source {n}: {text}" for text, n in sources.items()]
    return (
        f"<h3>How we compare</h3><p>{escape(intro)}</p>"
        f"{_table(rows) if len(rows) > 1 else ''}{_paragraphs(uncompared)}"
        f"{_paragraphs(listed, 'small')}{neighbours}{key}"
    )


def _area(section: AreaSection, picture: bytes, note: str) -> str:
    """An area with an exception from a new page, headed with its finding: the chart (with
    its alt text) and each exception's headline beside it, the narrative, the team table,
    and the small-numbers rule (a page may be copied on its own)."""
    source = "data:image/png;base64," + base64.b64encode(picture).decode("ascii")
    # Beside the chart only as many headlines as fit its height: a flex row cannot break
    # across pages, and Quality of practice's eight pushed the row to the next page, leaving
    # its heading alone on a page. The others run on under the chart, full width.
    beside, under = section.headlines[:BESIDE_CHART], section.headlines[BESIDE_CHART:]
    headlines = set(section.headlines)
    rest = under + [s for s in section.narrative if s not in headlines]
    return (
        f'<section class="area"><h2>{escape(section.finding)}</h2>'
        f'<div class="top"><figure><img src="{source}" alt="{escape(section.chart_alt)}">'
        f'</figure><div class="headlines">{_paragraphs(beside)}</div></div>'
        f"{_paragraphs(rest)}{_commentary(section)}"
        f"<h3>{escape(section.title)} by team</h3>{_table(section.team_table)}"
        f"{_paragraphs([note], 'small')}</section>"
    )


def _watching(pack: BoardPack, note: str) -> str:
    """The areas only at risk, running on under one heading: each its finding, headlines,
    what we are doing about it and its team table (a chart each doubled the pack)."""
    if not pack.watching:
        return ""
    areas = "".join(
        f'<div class="watch"><h3>{escape(s.finding)}</h3>{_paragraphs(s.headlines)}'
        f"{_commentary(s, 'h4')}{_table(s.team_table)}</div>"
        for s in pack.watching
    )
    return (
        f'<section class="watching"><h2>{escape(pack.watching_heading)}</h2>{areas}'
        f"{_paragraphs([note], 'small')}</section>"
    )


def _appendix(pack: BoardPack) -> str:
    """What a reader looks things up in: the status key, the comparisons and each chart's
    figures as a table."""
    figures = "".join(
        f'<div class="figures"><h3>The chart\'s figures: {escape(s.figures[0][1])}</h3>'
        f"{_table(s.figures)}</div>"
        for s in [*pack.sections, *pack.watching]
        if len(s.figures) > 1
    )
    key = f"Status key: {STATUS_KEY}. Team figures show the status icon beside the value."
    return (
        f"<section><h2>Appendix</h2>{_paragraphs([key, pack.suppression_note])}"
        f"{_comparisons(pack)}{figures}</section>"
    )


def _commentary(section: AreaSection, heading: str = "h3") -> str:
    """The owners' commentary and actions for the area's measures (plain text, escaped),
    under a ``heading`` one level below the area's."""
    if not section.commentary:
        return ""
    said = f"<{heading}>What we are doing about it</{heading}>"
    return said + _paragraphs(section.commentary)


def _actions(pack: BoardPack) -> str:
    """Every action open at the month, past due first: what, who owns it, when due."""
    if len(pack.actions) < 2:
        return ""
    return (
        "<section><h2>Open actions</h2><p>Every action still open at the end of "
        f"{escape(uk_month(pack.month))}, past due first; each carries forward until it is "
        f"marked done or dropped.</p>{_table(pack.actions)}</section>"
    )


def pack_html(pack: BoardPack, pictures: Sequence[bytes]) -> str:
    """The whole pack as one HTML document (also what the PDF's tags are made from)."""
    areas = "".join(
        _area(section, picture, pack.suppression_note)
        for section, picture in zip(pack.sections, pictures, strict=True)
    )
    subject = f"Children's social care performance, {uk_month(pack.month)}"
    return (
        f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8">'
        f"<title>{escape(pack.title)}</title>"
        f'<meta name="author" content="{escape(pack.council)}">'
        f'<meta name="description" content="{escape(subject)}">'
        f"<style>{CSS}</style></head><body>"
        f"{_first_page(pack)}{_on_track(pack)}{areas}{_watching(pack, pack.suppression_note)}"
        f"{_actions(pack)}{_appendix(pack)}"
        "</body></html>"
    )


def write_pdf(pack: BoardPack, pictures: list[bytes], out: Path | BytesIO) -> None:
    """Lay out ``pack`` with one chart picture per area (same order as ``pack.sections``)."""
    from weasyprint import HTML  # imported here: it loads Pango, which the app needs only here

    document = HTML(string=pack_html(pack, pictures))  # pictures are data: URLs, nothing fetched
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    if isinstance(out, BytesIO):
        out.write(pdf)
    else:
        Path(out).write_bytes(pdf)
