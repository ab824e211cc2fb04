"""Build a board pack file: content, chart pictures, then the PDF or PowerPoint layout.

The CLI (``python -m reports board-pack``) and the board page's download button both call
``build_pack``, so the two can never produce different packs.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from metrics.suppression import Suppressor
from reports.content import board_pack
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


def pack_bytes(db: Path | str, month: object, fmt: str, **options) -> bytes:
    """The pack as bytes, for a download button."""
    buffer = BytesIO()
    build_pack(db, month, fmt, buffer, **options)
    return buffer.getvalue()
