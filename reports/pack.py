"""Build a board pack file: content, chart pictures, then the PDF or PowerPoint layout.

The CLI (``python -m reports board-pack``) and the board page's download button both call
``build_pack``, so the two can never produce different packs.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pandas as pd

from etl.sources.ees.convert import load_mapping
from metrics import api
from metrics.config import load_config
from metrics.formatting import uk_month
from metrics.suppression import Suppressor
from reports.content import board_pack, comparisons, neighbour_figures
from reports.images import to_png
from reports.pdf import write_pdf
from reports.slides import write_pptx

WRITERS = {"pdf": write_pdf, "pptx": write_pptx}
MIME = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def build_pack(
    db: Path | str,
    month: object,
    fmt: str,
    out: Path | BytesIO,
    *,
    compare: object | None = None,
    hide: Suppressor | None = None,
    produced: date | None = None,
) -> Path | BytesIO:
    """Write the board pack for ``month`` as ``fmt`` (``pdf`` or ``pptx``) to ``out``.

    ``compare`` defaults to the last board meeting's month; ``hide`` to the council's
    suppression rule for exports.
    """
    if fmt not in WRITERS:
        raise ValueError(f"format must be one of {', '.join(WRITERS)}, not {fmt!r}")
    pack = board_pack(db, month, compare=compare, hide=hide, produced=produced)
    pictures = to_png([s.chart for s in pack.sections])
    WRITERS[fmt](pack, pictures, out)
    return out


def comparison_csv(db: Path | str, month: object) -> bytes:
    """ "How we compare" as a CSV export: the pack's comparison rows, then each statistical
    neighbour's own figure, where a figure the DfE did not publish is its symbol with the
    DfE's meaning ("c — suppressed to protect confidentiality"), never a blank cell; the
    symbols' key closes the file. Formula-like cells are made inert (``charts.export``)."""
    from charts.export import to_csv_bytes  # the one CSV writer

    month = pd.Timestamp(month).date()
    if month not in api.months(db):
        raise ValueError(f"no data is loaded for {uk_month(month)}")
    council = load_config().council_name
    header, *rows = comparisons(db, month, council)
    columns = ["Section", *header]
    records = [["Comparison", *row] for row in rows]
    for measure, neighbour, figure in neighbour_figures(db, month)[1:]:
        cells = ["", "", "", "", "", ""]
        records.append(["Neighbour's figure", measure, neighbour, "", figure, *cells])
    for symbol, meaning in load_mapping().symbols.items():
        records.append(["DfE symbol", symbol, meaning, *[""] * (len(columns) - 3)])
    frame = pd.DataFrame([r[: len(columns)] for r in records], columns=columns)
    return to_csv_bytes(frame)


def pack_bytes(db: Path | str, month: object, fmt: str, **options) -> bytes:
    """The pack as bytes, for a download button."""
    buffer = BytesIO()
    build_pack(db, month, fmt, buffer, **options)
    return buffer.getvalue()
