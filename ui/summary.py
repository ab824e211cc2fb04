"""The exceptions-first summary (``metrics.summary``) drawn as one HTML table, so the
overview and board mode's first screen show the same measures, in the same order, the same
way: the measure, its status in words and icon, its figure with counts, since when, its area.

Every cell is text from the metrics layer, escaped by ``charts.tables.text_html``. Unlike
the month × team tables, cells wrap: a measure's full name is read, not scrolled to.
"""

from __future__ import annotations

from collections.abc import Sequence

from charts.palette import STATUS_COLOURS, status_key
from charts.tables import text_html
from metrics.summary import SummaryLine

HEADER = ("Measure", "Status", "Figure", "Since when", "Area")
_CELL = "padding:3px 6px;border:1px solid #FFFFFF;vertical-align:top;text-align:left"
_HEAD = f"{_CELL};background:#F0F2F6;font-weight:600"


def summary_table(lines: Sequence[SummaryLine], caption: str, *, detail: bool = True) -> str:
    """The lines as a table, one row per measure, each named by its row header (a screen
    reader reads "Highest caseload held by one worker, Status, off track"). With ``detail``,
    a line's signal (variation and assurance) and its action when one is recorded are
    written under its figure, and the area has a column. Board mode's first screen leaves
    them out (each measure's screen names its area) so that fifteen
    exceptions fit one screen at 1366 × 768 (with them, they took 1,352 px at 1920 × 1080);
    each measure's own screen gives its signal, and its action as its "what next" line."""
    header = HEADER if detail else HEADER[:-1]
    head = "".join(f'<th scope="col" style="{_HEAD}">{text_html(h)}</th>' for h in header)
    # Without detail, figure and since-when stay on one line and the area is left to each
    # measure's own screen, so a row is one line high: fifteen rows wrapped to two lines ran
    # off a 768 px screen.
    short = f"{_CELL};white-space:nowrap" if not detail else _CELL
    body = []
    for line in lines:
        tint = f"background:{STATUS_COLOURS[status_key(line.status)]}40;white-space:nowrap"
        figure = text_html(line.value)
        for extra in (line.signal, line.action) if detail else ():
            if extra:
                figure += f'<br><span style="font-size:0.85em">{text_html(extra)}</span>'
        body.append(
            f'<tr><th scope="row" style="{_HEAD}">{text_html(line.measure)}</th>'
            f'<td style="{_CELL};{tint}" title="{text_html(line.reason)}">'
            f"{text_html(line.status_text)}</td>"
            f'<td style="{short}">{figure}</td>'
            f'<td style="{short}">{text_html(line.since)}</td>'
            + (f'<td style="{_CELL}">{text_html(line.area_title)}</td>' if detail else "")
            + "</tr>"
        )
    return (
        '<table class="csc-summary" style="border-collapse:collapse;width:100%;'
        'font-size:0.9rem;color:#1A1A1A">'
        '<caption style="caption-side:top;text-align:left;font-weight:600;padding:0 0 4px">'
        f"{text_html(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
