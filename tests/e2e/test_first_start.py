"""The demo's first start survives what people and machines do to it, in a real browser.

Each test starts its own ``streamlit run app.py`` on an empty store folder (demo mode) and
ends with one complete demo store, every monthly return for every month of the demo, and the
overview drawn with no error on screen: after the server is killed (SIGKILL) part way
through the build and started again; and with two browsers opening the empty store at once,
one of them reloaded three times during the build (one test: each build takes a minute and a
half, and the two checks need no build each).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.app_runs import local_env
from benchmarks.browser import free_port, new_tab, server_command, settled, wait_healthy
from demo.build import DEMO_COMPLETE_KEY
from demo.council import month_starts
from demo.files import write_returns
from etl.write import store
from tests.e2e.browser import assert_no_exception
from tests.e2e.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEMO_MONTHS = 36  # what the app's first start builds
BUILD_TIMEOUT_S = 300
BUILDING = "Building demo data"


@contextmanager
def app_server(db: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run app.py`` on ``db`` in demo mode; yields its URL and process."""
    port = free_port()
    env = {**os.environ, **local_env(db)}
    with log.open("ab") as out:
        server = subprocess.Popen(
            server_command("app.py", port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, 60)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _building(tab) -> None:
    """Wait until the page shows the demo build in progress."""
    tab.get_by_text(BUILDING).first.wait_for(timeout=60_000)


def _overview_drawn(tab) -> None:
    """Wait for the overview with every chart drawn, and check there is no error on screen."""
    settled(tab, BUILD_TIMEOUT_S)
    assert "at a glance" in tab.locator('[data-testid="stMain"] h1').first.inner_text()
    assert tab.get_by_text(BUILDING).count() == 0
    assert_no_exception(tab)


def demo_returns(folder: Path) -> set[str]:
    """The monthly returns the demo generator writes a file of (its names' ``<return>_``)."""
    names = {p.name for p in write_returns(folder, months=DEMO_MONTHS)}
    return {m.group(1) for n in names if (m := re.fullmatch(r"(.+)_\d{4}-\d{2}\.csv", n))}


def assert_one_complete_demo_store(db: Path, tmp_path: Path) -> None:
    """Every return the demo writes has every month of the demo (whether from its monthly
    file or the Annex A workbook), the store says it is whole, and no building folder is
    left behind."""
    expected = month_starts(DEMO_MONTHS)
    returns = demo_returns(tmp_path / "files")
    assert returns, "the demo generator wrote no monthly return files"
    con = store.open_reader(db)
    try:
        meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
        assert meta.get("kind") == "demo"
        assert DEMO_COMPLETE_KEY in meta
        for name in sorted(returns):
            sql = f"SELECT DISTINCT month FROM {name} ORDER BY month"
            months = [row[0] for row in con.execute(sql).fetchall()]
            assert months == expected, f"{name}: {len(months)} of {len(expected)} months"
    finally:
        con.close()
    assert not (db.parent / f".{db.name}.building").exists()


def test_a_server_killed_during_the_first_start_finishes_the_store_when_started_again(
    browser, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "csc.duckdb"
    with app_server(db, tmp_path / "first.log") as (url, server):
        tab = new_tab(browser)
        tab.goto(url, wait_until="commit")
        _building(tab)
        time.sleep(5)  # part way: some files checked and written to the building store
        assert (db.parent / f".{db.name}.building").exists()
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        tab.context.close()
    assert not store.snapshot_path(db).exists()  # nothing half built was published
    with app_server(db, tmp_path / "second.log") as (url, _):
        tab = new_tab(browser)
        tab.goto(url, wait_until="commit")
        _overview_drawn(tab)
        tab.context.close()
    assert_one_complete_demo_store(db, tmp_path)


def test_two_browsers_at_once_one_reloading_three_times_both_end_on_the_complete_store(
    browser, tmp_path: Path
) -> None:
    """Two browsers open the empty store at once (one build, not two), and one of them is
    reloaded three times during the build (the same build goes on: a finished one would show
    the overview); both end on the overview of one complete store."""
    db = tmp_path / "data" / "csc.duckdb"
    with app_server(db, tmp_path / "server.log") as (url, _):
        tabs = [new_tab(browser) for _ in range(2)]
        for tab in tabs:
            tab.goto(url, wait_until="commit")
        for tab in tabs:
            _building(tab)
        for _ in range(3):
            time.sleep(2)
            tabs[0].reload(wait_until="commit")
            _building(tabs[0])
        for tab in tabs:
            _overview_drawn(tab)
            tab.context.close()
    assert_one_complete_demo_store(db, tmp_path)
