"""How long kept files stay: ``rejected/`` and ``processed/`` beside the store are tidied.

Refused files (kept so an analyst can see what was wrong) and drop-folder files (kept as a
record of what was loaded) hold pseudonymised data about children, so they must not pile up
for ever. The council sets how long they stay (``retention_days`` in council.yaml, 90 days
by default); anything older is deleted at the start of each load and by
``python -m etl tidy``. Only regular files directly inside those two folders are ever
deleted: a symbolic link — the folder itself or an entry in it — is never followed, so a
link planted there cannot make the loader delete something elsewhere.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

#: The folders beside the store that hold kept files (see ``etl.write.load.kept_path``).
KEPT_FOLDERS = ("rejected", "processed")
#: The time stamp ``etl.write.load.kept_path`` puts at the start of every kept name.
_STAMP = re.compile(r"^(\d{8}-\d{6}-\d{6})_")


def configured_days() -> int:
    """The council's ``retention_days``, read when needed rather than when ``etl`` is
    imported (the loader already reads council settings when it refreshes KPIs)."""
    from metrics.config import load_config

    return load_config().retention_days


def kept_since(entry: os.DirEntry[str]) -> datetime:
    """When a file was kept: the time stamp in its name, else its modification time (a
    file put there by hand, or renamed)."""
    match = _STAMP.match(entry.name)
    if match:
        try:
            return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f")
        except ValueError:  # digits in the right places, but not a real date
            pass
    return datetime.fromtimestamp(entry.stat(follow_symlinks=False).st_mtime)


def tidy(db: Path, days: int, now: datetime | None = None) -> list[Path]:
    """Delete kept files older than ``days`` from ``rejected/`` and ``processed/`` beside
    ``db``; return what was deleted. Symbolic links and sub-folders are left alone."""
    if days < 1:
        raise ValueError(f"files must be kept for at least a day, not {days}")
    cutoff = (now or datetime.now()) - timedelta(days=days)
    removed: list[Path] = []
    for name in KEPT_FOLDERS:
        folder = db.parent / name
        if folder.is_symlink() or not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            old = [
                Path(e.path)
                for e in entries
                if e.is_file(follow_symlinks=False) and kept_since(e) < cutoff
            ]
        for path in sorted(old):
            path.unlink(missing_ok=True)  # a concurrent tidy may have got there first
            removed.append(path)
    if removed:
        log.info("removed %d kept file(s) older than %d days", len(removed), days)
    return removed
