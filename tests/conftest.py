"""Shared fixtures: real DuckDB stores in temporary folders, and table checksums.

The demo store is built once per test session (it takes a few seconds) and shared read-only;
tests that write build their own small store.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# App tests run in local mode (no sign-in, analyst role) on stores holding test loads; the
# sign-in, role and refusal tests in tests/test_auth.py set these for themselves.
os.environ.setdefault("CSC_AUTH", "none")
os.environ.setdefault("CSC_ALLOW_NO_SIGNIN", "1")
# Staff names are pseudonymised with a per-deployment key: tests use a key of their own,
# never the machine's (~/.local/share/csc-dashboard/pseudonym.key).
os.environ.setdefault("CSC_PSEUDONYM_KEY", tempfile.mkdtemp(prefix="csc-key-") + "/pseudonym.key")

from etl.write import store
from etl.write.load import FileCheck
from metrics import compute
from metrics.formatting import as_dates


def table_checksums(db: Path, skip: tuple[str, ...] = ("load_log", "audit")) -> dict[str, str]:
    """A digest of every table's full contents (ordered), to prove a load changed nothing.

    The two logs of attempts (``load_log``, ``audit``) are left out: a refusal is recorded.
    """
    con = store.open_reader(db)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall() if r[0] not in skip]
        out = {}
        for table in tables:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def problem_lines(fc: FileCheck) -> list[tuple]:
    """The parts of a file's report the analyst reads (check, column, message, rows, example
    rows), in a stable order: for comparing two ways of checking the same file."""
    return sorted(
        (p.check, p.column or "", p.message, p.rows_affected, tuple(p.example_rows))
        for p in fc.report.problems
    )


#: The shared real-formats folder (files other projects and the DfE publish, used as
#: published): ``CSC_REAL_FORMATS``, else where this machine keeps it. One place, so a clone
#: outside /work (a worktree, /tmp) finds it the same way in every test.
REAL_FORMATS = Path(os.environ.get("CSC_REAL_FORMATS", "/work/shared/real-formats"))


@contextmanager
def app_reads(db: Path) -> Iterator[Path]:
    """``CSC_DB`` pointed at ``db`` for an app under test, and put back afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSC_DB", str(db))
        yield db


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A path for a fresh store in this test's temporary folder."""
    return tmp_path / "store" / "csc.duckdb"


def built_once(
    factory: pytest.TempPathFactory, worker_id: str, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder ``build`` fills, built once for the whole run and copied to this worker's own.

    Under xdist the first worker to ask builds it in the run's shared folder, under a lock,
    and every worker copies it: the demo store took 70-90 s to build on each of CI's two
    workers. Each worker gets its own copy because a reader may publish a snapshot and some
    tests load into the store.
    """
    mine = factory.mktemp(name)
    if worker_id == "master":  # no xdist: nothing to share
        build(mine)
        return mine
    shared = factory.getbasetemp().parent / f"{name}-shared"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (shared / "built").exists():
            build(shared / "folder")
            (shared / "built").touch()
    shutil.copytree(shared / "folder", mine, dirs_exist_ok=True)
    return mine


def _build_demo(folder: Path) -> None:
    from demo.build import build_demo

    results = build_demo(folder / "csc.duckdb")
    assert all(r.ok for r in results), [r.report.to_text() for r in results if not r.ok]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The demo council's store, built once for the whole run (read-only for tests)."""
    return built_once(tmp_path_factory, worker_id, "demo", _build_demo) / "csc.duckdb"


def stored_and_fresh(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's ``kpi_values`` and every KPI counted afresh from its rows, both sorted by
    their keys: two frames that must be equal whenever the stored values are right."""
    con = store.open_reader(db)
    try:
        cols = ", ".join(compute.COLUMNS)
        stored = as_dates(con.execute(f"SELECT {cols} FROM kpi_values").df())
        fresh = compute.compute(con)
    finally:
        con.close()
    keys = compute.KEY_COLUMNS
    return (
        stored.sort_values(keys).reset_index(drop=True),
        fresh.sort_values(keys).reset_index(drop=True),
    )
