"""The demo's first start as a background task of the server process, not of a browser session.

When the demo store was built inside a visitor's script run, a reload stopped the run (and the
build) half way, and the next start found a store and skipped the build. Now the build runs
in one thread per store per process, started by the first visitor and shared by every later
one: a reload, a second visitor or a closed tab only stops someone watching it. Across
processes ``demo.build.ensure_demo`` holds an OS lock, so a second server waits for the first
one's store instead of building another; a process killed part way leaves only the building
folder, which the next build clears (``demo.build.build_demo``).
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from demo.build import ensure_demo

log = logging.getLogger(__name__)


@dataclass
class DemoBuild:
    """What every visitor shows while the demo is built: progress, then done or the error."""

    db: Path
    fraction: float = 0.0
    message: str = "Starting"
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = min(max(fraction, 0.0), 1.0), message

    def run(self) -> None:
        try:
            ensure_demo(self.db, progress=self.progress)
        except Exception as exc:  # shown to every visitor; the next visitor may try again
            log.error("building the demo store failed:\n%s", traceback.format_exc())
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished.set()


_builds: dict[Path, DemoBuild] = {}
_lock = threading.Lock()


def start(db: Path) -> DemoBuild:
    """The running build of ``db``, or a new one if none is running (a finished one found the
    store complete, or failed: a new one tries again, or finds the store and ends at once)."""
    with _lock:
        build = _builds.get(db)
        if build is None or build.finished.is_set():
            build = _builds[db] = DemoBuild(db)
            # A daemon thread: stopping the server stops the build; the next start rebuilds.
            threading.Thread(target=build.run, name=f"demo-build:{db.name}", daemon=True).start()
        return build
