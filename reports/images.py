"""Charts as pictures: the app's plotly figures exported to PNG with kaleido 1.x.

Kaleido drives a headless Chrome. Here that is Debian's ``chromium`` (installed by the
project's set-up), named through ``BROWSER_PATH`` which kaleido's browser finder reads first,
so nothing is downloaded at run time. All of a pack's figures go in one batch: the browser
starts once (about 3 seconds) instead of once per chart.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

#: A pack picture's size in CSS pixels: text sized for it (``content.PACK_CHART_FONT_PX``)
#: prints at 9 pt or more at the widths the PDF and slides give it.
WIDTH, HEIGHT, SCALE = 900, 420, 2
DEBIAN_CHROMIUM = "/usr/bin/chromium"


class NoBrowser(RuntimeError):
    """No Chrome or Chromium to draw charts with."""


def use_system_chromium() -> str:
    """Point kaleido at the installed Chromium (unless ``BROWSER_PATH`` already says one)."""
    chosen = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or DEBIAN_CHROMIUM
    if not Path(chosen).exists():
        raise NoBrowser(
            "Chart pictures need Chromium: install Debian's `chromium` package "
            "or set BROWSER_PATH to a Chrome or Chromium executable."
        )
    os.environ["BROWSER_PATH"] = chosen
    return chosen


def to_png(
    figures: Sequence[go.Figure], width: int = WIDTH, height: int = HEIGHT, scale: int = SCALE
) -> list[bytes]:
    """Each figure as PNG bytes, exported in one browser session."""
    if not figures:
        return []
    use_system_chromium()
    with tempfile.TemporaryDirectory(prefix="csc-charts-") as folder:
        paths = [Path(folder) / f"chart-{i}.png" for i in range(len(figures))]
        pio.write_images(
            list(figures), paths, format="png", width=width, height=height, scale=scale
        )
        return [p.read_bytes() for p in paths]
