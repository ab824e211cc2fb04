"""The drop folder: ``python -m etl watch [FOLDER]`` loads each return that lands there.

Files arrive by copy from a shared drive or an export job, so a file that has appeared is
not yet a file that is complete. The watcher (the maintained ``watchdog`` library, not a
sleep loop over the folder) notes each file that appears or changes, and loads it only once
its size and modification time have stayed the same for ``settle`` seconds. Each file then
goes through the same loader as the command line and the upload page, and is moved to
``processed/`` or ``rejected/`` (with its report) beside the store — or, if it held personal
data, deleted with only its report kept. A bad file is logged and the watcher carries on; a
busy store is retried. Nothing from a file's rows is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from etl.write import store
from etl.write.load import load_paths, ssda903_sets

log = logging.getLogger("etl.write.watch")
DEFAULT_INBOX = store.DEFAULT_DB.parent / "inbox"
#: Names that copy tools and editors use while a file is still being written.
PARTIAL = (".part", ".tmp", ".crdownload", ".partial", ".filepart")


def wanted(path: Path) -> bool:
    """Any file dropped in, but a hidden, temporary or still-downloading one.

    Not only CSV and .xlsx: a census XML or a Parquet file dropped in gets its verdict too
    ("This is a CIN census XML file…"), instead of lying in the folder unexplained.
    """
    name = path.name
    return not (name.startswith((".", "~$")) or name.lower().endswith(PARTIAL))


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


class _Inbox(FileSystemEventHandler):
    """Collects paths that appeared or changed; the main loop decides when they are whole."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[Path, _Seen | None] = {}

    def note(self, path: Path) -> None:
        if wanted(path):
            with self.lock:
                self.pending[path] = None

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.note(Path(str(event.src_path)))

    def on_modified(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.note(Path(str(event.src_path)))

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.note(Path(str(event.dest_path)))


def settled(inbox: _Inbox, settle: float, now: float) -> list[Path]:
    """The pending files whose size and mtime have not changed for ``settle`` seconds."""
    ready = []
    with inbox.lock:
        for path, seen in list(inbox.pending.items()):
            try:
                st = path.stat()
            except FileNotFoundError:
                del inbox.pending[path]
                continue
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                inbox.pending[path] = _Seen(st.st_size, st.st_mtime_ns, now)
            elif now - seen.stable_since >= settle:
                ready.append(path)
                del inbox.pending[path]
    return sorted(ready)


def _load(db: Path, paths: list[Path], inbox: _Inbox, wait: float) -> None:
    """Load one file, or the SSDA903 tables that settled together (one set)."""
    names = ", ".join(p.name for p in paths)
    try:
        results = load_paths(db, paths, source="watch", move_to_processed=True, timeout=wait)
    except store.StoreBusy:
        log.info("store busy (another load is running); will retry %s", names)
        for path in paths:
            inbox.note(path)
        return
    except Exception as exc:  # keep watching: one bad file must not stop the drop folder
        # The type only: a database error's message can quote a cell, and rows are not logged.
        log.error("could not load %s (%s); left in place", names, type(exc).__name__)
        return
    for r in results:
        if r.ok:
            log.info("%s: %s — %s", r.file_name, r.status, r.message)
        else:
            log.warning(
                "%s: rejected — %s (report: %s.report.json)", r.file_name, r.message, r.kept_at
            )


def watch(
    folder: Path,
    db: Path,
    settle: float = 2.0,
    poll: float = 0.25,
    stop: threading.Event | None = None,
    wait: float = 30.0,
) -> None:
    """Load files dropped into ``folder`` until ``stop`` is set (or the process is stopped).

    ``wait`` is how long one attempt waits for another load to finish; after that the file
    goes back in the queue and is tried again once it has settled, so none is lost.
    """
    folder.mkdir(parents=True, exist_ok=True)
    inbox = _Inbox()
    for path in folder.iterdir():  # files already waiting when the watcher starts
        inbox.note(path)
    observer = Observer()
    observer.schedule(inbox, str(folder), recursive=False)
    observer.start()
    log.info("watching %s; loading into %s", folder, db)
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            ready = [p for p in settled(inbox, settle, time.monotonic()) if p.exists()]
            for group in ssda903_sets(ready):  # a year's 903 tables dropped together: one set
                _load(db, group, inbox, wait)
            stop.wait(poll)
    finally:
        observer.stop()
        observer.join()
