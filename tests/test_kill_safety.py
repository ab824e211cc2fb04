"""Crash safety proved: SIGKILL a load, the drop-folder watcher or a refresh at random moments.

Each time, the store must open (master and published snapshot) and hold a state the writer
could have committed: for a refresh or a one-file load, the state before or the state after;
for a multi-file load (one transaction per file, in name order), the state after some first
``k`` files. States are compared by table fingerprints: per table, its row count and a hash
of its rows in order, leaving out what differs between two honest runs (load ids, times and
the stored report text; fractions are compared to 6 places). The moments are stratified: the
part of the run after Python has started is cut into as many equal slices as there are
kills and one moment is drawn in each, with a fixed seed (so a failure can be replayed), so a
handful of kills reaches every part of the run where random draws would bunch up.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.council import DEMO_END
from demo.files import write_returns
from etl.write import store
from etl.write.load import load_paths

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: Columns that differ between two runs that committed the same thing.
RUN_COLUMNS = {"load_id", "loaded_at", "happened_at", "report"}
#: Decimal places of fractional columns compared: two honest refreshes of the same rows can
#: differ in a KPI value's last bits (parallel sums), which is not a half-written transaction.
DIGITS = 6
LOAD_KILLS, WATCH_KILLS, REFRESH_KILLS = 7, 4, 4  # seven kills over six transactions
#: The later month's files loaded by the process killed: every third one (six files).
KILLED_EVERY = 3
#: Python, DuckDB and the checker start before a load touches the store: kills land after.
STARTED = 0.25


def fingerprint(con) -> dict[str, tuple[int, str]]:
    out = {}
    for (table,) in con.execute("SHOW TABLES").fetchall():
        columns = [r[:2] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        keep = ", ".join(
            f"ROUND({c}, {DIGITS})" if kind in ("DOUBLE", "FLOAT") else c
            for c, kind in columns
            if c not in RUN_COLUMNS
        )
        rows = con.execute(f"SELECT {keep} FROM {table} ORDER BY ALL").fetchall()
        out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def snapshot_state(db: Path) -> dict:
    """What a reader sees (the published snapshot), without repairing anything first."""
    con = store.open_reader(db)
    try:
        return fingerprint(con)
    finally:
        con.close()


def master_state(db: Path) -> dict:
    """The master, opened as the next writer opens it (its log replayed, then published)."""
    with store.open_writer(db, timeout=30) as con:
        return fingerprint(con)


def copy_store(db: Path, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for path in db.parent.iterdir():
        if path.is_file() and path.name.startswith(db.stem):
            shutil.copyfile(path, to / path.name)
    return to / db.name


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_and_kill(args: list[str], after: float | None) -> float:
    """Start ``args``; SIGKILL it ``after`` seconds on (None: let it finish). Seconds run."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after if after is not None else 300)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return time.perf_counter() - start


def moments(rng: random.Random, full: float, kills: int) -> list[float]:
    """One kill moment in each of ``kills`` equal slices of the run after Python started."""
    start = STARTED * full
    width = (full - start) / kills
    return [start + (n + rng.random()) * width for n in range(kills)]


def _nearest(state: dict, states: list[dict]) -> str:
    """For a failure: the committed state with as many load-log rows, and the tables that
    differ from it (name: rows seen / rows committed)."""
    same = [s for s in states if s.get("load_log") == state.get("load_log")]
    if not same:
        return f"no committed state has {state.get('load_log')} load-log rows"
    near = same[0]
    diff = [f"{t}: {state.get(t, (0,))[0]} / {near.get(t, (0,))[0]}" for t in near]
    return "; ".join(d for d, t in zip(diff, near, strict=True) if state.get(t) != near[t])


def assert_one_of(db: Path, states: list[dict], what: str) -> None:
    seen = snapshot_state(db)
    assert seen in states, f"{what}: readers see a state no commit made ({_nearest(seen, states)})"
    master = master_state(db)
    assert master in states, f"{what}: the master's state ({_nearest(master, states)})"
    # A reader never sees a later state than the master (at most one load behind, until the
    # next writer or reader republishes); after the writer opened it, they agree.
    assert states.index(seen) <= states.index(master), what
    assert snapshot_state(db) == master, what


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    """Two months of every demo return: the earlier one's files, and the later one's every
    ``KILLED_EVERY``-th file (each a transaction of its own: six returns give a kill the
    same kinds of place to land as the month's seventeen, in about a third of the time)."""
    written = sorted(write_returns(tmp_path_factory.mktemp("files"), months=2))
    last = f"_{DEMO_END:%Y-%m}"
    later = [p for p in written if last in p.name]
    return [p for p in written if last not in p.name], later[::KILLED_EVERY]


@pytest.fixture(scope="module")
def files(months) -> list[Path]:
    return months[1]


@pytest.fixture(scope="module")
def base(months, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store holding the earlier month: every kill starts from a copy of it."""
    db = tmp_path_factory.mktemp("base") / "csc.duckdb"
    assert all(r.ok for r in load_paths(db, months[0]))
    return db


def prefix_states(base: Path, files: list[Path], folder: Path, source: str = "cli") -> list[dict]:
    """The state after each first ``k`` files, k = 0..n, loaded one file at a time (logged
    as loaded by ``source``, as the process killed logs them)."""
    db = copy_store(base, folder)
    states = [master_state(db)]
    for path in files:
        assert all(r.ok for r in load_paths(db, [path], source=source))
        states.append(master_state(db))
    return states


def test_killing_the_loader_leaves_a_committed_state(base, files, tmp_path: Path) -> None:
    states = prefix_states(base, files, tmp_path / "reference")
    assert len({repr(s) for s in states}) == len(files) + 1  # every file changes the store
    load = [sys.executable, "-m", "etl", "load", *map(str, files), "--db"]
    whole = copy_store(base, tmp_path / "whole")
    full = run_and_kill([*load, str(whole)], None)
    assert master_state(whole) == states[-1]
    for n, moment in enumerate(moments(random.Random(19), full, LOAD_KILLS)):
        db = copy_store(base, tmp_path / f"kill{n}")
        run_and_kill([*load, str(db)], moment)
        assert_one_of(db, states, f"loader killed at {moment:.2f} s of {full:.2f} s")


def test_killing_the_watcher_mid_load_leaves_before_or_after(base, files, tmp_path) -> None:
    big = max(files, key=lambda p: p.stat().st_size)
    states = prefix_states(base, [big], tmp_path / "reference", source="watch")
    rng = random.Random(17)

    def watch(n: int, after: float | None) -> Path:
        db = copy_store(base, tmp_path / f"watch{n}")
        inbox = db.parent / "inbox"
        inbox.mkdir()
        shutil.copyfile(big, inbox / big.name)
        args = [sys.executable, "-m", "etl", "watch", str(inbox), "--db", str(db)]
        args += ["--settle", "0.2"]
        if after is not None:
            run_and_kill(args, after)
            return db
        proc = subprocess.Popen(args, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while any(inbox.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # the move to processed/ comes after the commit
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        return db

    start = time.perf_counter()
    done = watch(0, None)
    full = time.perf_counter() - start
    assert master_state(done) == states[-1]
    for n, moment in enumerate(moments(rng, full, WATCH_KILLS), start=1):
        db = watch(n, moment)
        assert_one_of(db, states, f"watcher killed at {moment:.2f} s of {full:.2f} s")


def test_killing_a_refresh_leaves_before_or_after(base, files, tmp_path: Path) -> None:
    loaded = copy_store(base, tmp_path / "loaded")
    assert all(r.ok for r in load_paths(loaded, files))
    with store.open_writer(loaded) as con:  # "before": KPI values not yet worked out
        con.execute("DELETE FROM kpi_values")
    before = master_state(loaded)
    refresh = [sys.executable, "-m", "metrics", "refresh", "--db"]
    whole = copy_store(loaded, tmp_path / "whole")
    full = run_and_kill([*refresh, str(whole)], None)
    after = master_state(whole)
    assert after["kpi_values"][0] > 0 and after != before
    for n, moment in enumerate(moments(random.Random(23), full, REFRESH_KILLS)):
        db = copy_store(loaded, tmp_path / f"kill{n}")
        run_and_kill([*refresh, str(db)], moment)
        assert_one_of(db, [before, after], f"refresh killed at {moment:.2f} s of {full:.2f} s")
