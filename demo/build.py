"""Build the demo store: the fictional council's returns checked and loaded through the real path.

The build belongs to the demo, not to ``etl``: it writes the demo council's files (``demo.council``)
and works out every KPI value once at the end (``metrics.materialise``), so it sits above both
layers. What it uses from ``etl`` is the loader every file goes through (``check_paths``,
``commit_all``), so nothing about the demo's files is checked more loosely than a council's.
"""

from __future__ import annotations

import dataclasses
import fcntl
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext, ForkServerProcess
from pathlib import Path

from demo.actions import write_actions
from demo.files import write_returns
from etl.write import store
from etl.write.load import (
    STAGE_PREFIX,
    FileCheck,
    LoadResult,
    Progress,
    check_paths,
    commit_all,
)
from metrics import snapshot
from metrics.materialise import loaded_months, refresh

#: The demo council's benchmarks (England, region, fictional neighbours), loaded with its returns.
DEMO_BENCHMARKS = (
    Path(__file__).resolve().parent.parent / "data" / "reference" / "northmoor_benchmarks.csv"
)
#: Processes that check the demo's files while this one writes them: checking (reading, typing
#: and the Great Expectations suite) is most of a first start.
DEMO_WORKERS = max(1, min(2, os.cpu_count() or 1))


def _orphan_guard() -> None:
    """A worker ends when the process that started the build is gone (a server killed
    mid-build), instead of waiting for work forever: its task queue's pipe never closes by
    itself. (Its operating-system parent is the fork server, so it watches the builder.)"""
    builder = multiprocessing.parent_process()

    def watch() -> None:
        if builder is not None:
            builder.join()
        os._exit(0)

    threading.Thread(target=watch, name="orphan-guard", daemon=True).start()


#: What the fork server imports once, so each worker starts with it instead of importing it
#: (Great Expectations: about 2 seconds a process).
FORK_SERVER_PRELOAD = ["etl.check.validate", "great_expectations"]


class _WorkerProcess(ForkServerProcess):
    """A worker forked from a fork server that has imported the checker once.

    A fork server is one single-threaded process started afresh, so forking it is safe
    where forking the app's threaded server would not be. Like a spawned process, a worker
    would import the caller's ``__main__`` from its path; under ``streamlit run`` that is
    the page script being run (app.py), which it would then run outside Streamlit. For the
    moment the worker is started the main module is a bare one, so the worker imports only
    what its tasks need.
    """

    def start(self) -> None:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            super().start()
        finally:
            sys.modules["__main__"] = main


class _WorkerContext(ForkServerContext):
    Process = _WorkerProcess


#: One pool at a time in a process: pools share the process's one fork server, which a pool's
#: end stops. Held from a pool's start until its fork server is gone, so a next build never
#: forks its workers from a fork server that is being stopped.
_fork_server_in_use = threading.Lock()


@contextmanager
def _worker_pool() -> Iterator[ProcessPoolExecutor]:
    """``DEMO_WORKERS`` checking processes, started in the background while the caller goes
    on (starting the first waits for the fork server's imports), and the fork server stopped
    when they are done: it holds Great Expectations in memory (about 250 MB) for nothing.

    The caller waits for neither to exit: an interpreter holding Great Expectations took
    1 s to shut down. Stopping the fork server (in the background) ends the workers at once
    (``_orphan_guard``: it closes the pipe they watch).
    """
    _fork_server_in_use.acquire()
    context = _WorkerContext()
    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
    pool = ProcessPoolExecutor(DEMO_WORKERS, mp_context=context, initializer=_orphan_guard)
    starting = threading.Thread(target=pool.submit, args=(_started,), daemon=True)
    try:
        starting.start()
        yield pool
    finally:
        if starting.is_alive():
            starting.join()
        pool.shutdown(wait=False, cancel_futures=True)
        threading.Thread(target=_stop_fork_server, daemon=True).start()


def _stop_fork_server() -> None:
    """Stop this process's fork server (``_stop`` is the only way: Python 3.8 to 3.14), then
    let the next pool start one."""
    try:
        forkserver._forkserver._stop()
    finally:
        _fork_server_in_use.release()


def _started() -> None:
    """Nothing: submitting a task is what starts a pool's processes."""


def _check_for(parent: int, paths: list[Path]) -> list[tuple]:
    """Check files in a worker (``check_paths``: one return's files together) and hand their
    staged rows to process ``parent``.

    Each staging folder is renamed after the parent, which loads the rows and then removes
    it: a stale-stage sweep (``clear_stale_stages``) keys on the owner's process id, and the
    worker may be gone before the parent loads. Returns, for each file, what a ``FileCheck``
    is rebuilt from.
    """
    out = []
    for fc in check_paths(paths):
        stage, units = fc.stage, fc.units
        if stage is not None:
            moved = stage.with_name(f"{STAGE_PREFIX}{parent}-{stage.name}")
            os.rename(stage, moved)
            units = [
                dataclasses.replace(u, staged=moved / u.staged.relative_to(stage)) for u in units
            ]
            stage = moved
        out.append((fc.file_name, fc.sha256, fc.report, units, stage))
    return out


def _by_return(paths: list[Path]) -> list[list[Path]]:
    """The demo's files in groups of one return each (``<return>_<month>.csv``): a group is
    checked in one worker, its rows in one suite run.

    Longest first, so the workers finish together: the Annex A workbook (one compressed file
    holding five returns' lists, the slowest group to check, and the last file written),
    then the rest by size. Within a group the files keep their order.
    """
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(path.name.rsplit("_", 1)[0], []).append(path)
    return sorted(
        groups.values(),
        key=lambda g: (g[0].suffix != ".xlsx", -sum(p.stat().st_size for p in g)),
    )


def checked_in_workers(pool: ProcessPoolExecutor, paths: list[Path]) -> Iterator[list[FileCheck]]:
    """The files checked by ``check_paths`` in ``pool``, a return's files at a time, each as a
    ``FileCheck`` of this process (its staged rows removed when it is discarded): a list per
    return, in order of return, and within a return in the order given."""
    parent = os.getpid()
    groups = _by_return(paths)
    futures = [pool.submit(_check_for, parent, group) for group in groups]
    try:
        for group, future in zip(groups, futures, strict=True):
            yield [
                FileCheck(name, path, sha256, report, None, stage, units)
                for path, (name, sha256, report, units, stage) in zip(
                    group, future.result(), strict=True
                )
            ]
    finally:
        for future in futures:
            future.cancel()
        for future in futures:  # the ones already checked but never loaded
            if not future.cancelled() and future.done() and future.exception() is None:
                for checked in future.result():
                    shutil.rmtree(checked[4] or "", ignore_errors=True)


#: ``store_meta`` key written in the demo build's last transaction: the store is whole.
DEMO_COMPLETE_KEY = "demo_complete"


def build_demo(
    db: Path,
    months: int = 36,
    seed: int = 2021,
    scale: int = 1,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Generate the fictional demo council's returns and make ``db`` a demo store of them.

    The store is built in a folder beside ``db`` and moved into place only when every file
    is in (``store.install``), so nobody ever reads half a demo; a build cut short leaves
    that folder, which the next build clears. Every file goes through ``check_paths`` and its
    Great Expectations suite and is written by ``commit_all`` (each file's verdict the one
    ``commit_checked`` gives it); the checks run in ``DEMO_WORKERS`` processes, a return's
    months in one suite run (that run's fixed cost was most of a file's check), while this
    one writes what they have checked, a return's new months in one transaction. Batched
    too is work no reader can see before the store is installed: one writer connection for
    every file and ``kpi_values`` worked out once for all months at the end (per file it was
    a quarter of the build). Refuses to replace a store of real returns.
    Callers that may race (the app's first start) use ``ensure_demo``.
    """
    if _holds_real_returns(db):
        raise ValueError(f"{db} holds real returns; the demo is never built over them.")
    building = db.parent / f".{db.name}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    staged_db = building / db.name
    results: list[LoadResult] = []
    with tempfile.TemporaryDirectory(prefix="csc-demo-") as tmp, _worker_pool() as pool:
        # The workers start (the fork server imports the checker) while the returns are written.
        if progress:
            progress(0.0, "Generating the demo council's returns")
        files = [*write_returns(Path(tmp), months=months, seed=seed, scale=scale), DEMO_BENCHMARKS]
        # The commentary names the teams of the figures, so it is written after them.
        words = write_actions(Path(tmp), months) if scale == 1 else []
        with store.open_writer(staged_db) as con:
            total = len(files) + len(words)
            for checks in chain(checked_in_workers(pool, files), checked_in_workers(pool, words)):
                if progress:
                    done = 0.1 + 0.85 * len(results) / total
                    progress(done, f"Checking and loading files: {len(results)} of {total} in")
                try:
                    results += commit_all(con, db, checks, "demo", kind="demo", refresh=False)
                finally:
                    for fc in checks:
                        fc.discard()
            if progress:
                progress(0.95, "Working out every figure")
            con.begin()
            refresh(con, loaded_months(con))
            con.execute(
                "INSERT INTO store_meta VALUES (?, current_timestamp::VARCHAR)", [DEMO_COMPLETE_KEY]
            )
            con.commit()
    store.install(staged_db, db)
    shutil.rmtree(building, ignore_errors=True)
    if progress:
        progress(1.0, "Done")
    return results


def _store_meta(db: Path) -> dict[str, str]:
    """The published store's ``store_meta`` (empty when there is no store yet).

    Read through ``metrics.snapshot``, as the app reads: in the app's process a second
    connection of our own to the same path would be handed DuckDB's instance of the
    snapshot the app still holds, so after ``store.install`` it would read the old file.
    """
    frame = snapshot.read(db, "SELECT key, value FROM store_meta")
    return dict(zip(frame["key"], frame["value"], strict=True)) if len(frame) else {}


def _holds_real_returns(db: Path) -> bool:
    return _store_meta(db).get("kind") not in (None, "demo")


def demo_needed(db: Path) -> bool:
    """True when the app should build the demo at ``db``: there is no store, or a demo store
    that was never finished (a first start killed or cut short before this build was
    atomic). A store of real returns, or an empty one an analyst is filling, never is."""
    meta = _store_meta(db)
    if not meta:
        return True
    return meta.get("kind") == "demo" and DEMO_COMPLETE_KEY not in meta


def ensure_demo(db: Path, progress: Progress | None = None) -> bool:
    """Build the demo at ``db`` unless it is already complete; True if this call built it.

    One build at a time across processes (an OS lock beside the store, freed by the kernel
    if the process dies), and a build that was waiting finds the other's store and stops.
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(f".{db.name}.build.lock"), "a+") as lock:
        if progress:
            progress(0.0, "Waiting for another process building the demo")
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not demo_needed(db):
            return False
        build_demo(db, progress=progress)
        return True
