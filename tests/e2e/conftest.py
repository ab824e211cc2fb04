"""The real app in a real browser: one Streamlit server and one Chromium for the whole session.

The store is built from the demo generator's files for February 2021 – February 2022 and
loaded as a council's own returns would be (``kind`` real, so the upload journey may add
March 2022 to it). Debian's Chromium is driven by Playwright; the browser is never downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from benchmarks.browser import free_port, wait_healthy
from demo.files import write_returns
from etl.write.load import load_backlog
from metrics import api
from tests.conftest import built_once

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
UPLOAD_MONTH = "2022-03"  # written by the generator but held back for the upload journey
STORE_MONTHS = 14  # a year of sparkline history before the held-back month
SERVER_START_TIMEOUT_S = 60
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class E2EStore:
    """The store the app reads, its latest month as built, and the files held back."""

    db: Path
    latest: date
    held_back: dict[str, Path]


def _build_e2e(root: Path) -> None:
    files = write_returns(root / "files", months=STORE_MONTHS)
    held_back = [p for p in files if UPLOAD_MONTH in p.name]
    assert held_back, "the demo generator no longer writes the month held back for uploading"
    results = load_backlog(root / "store" / "csc.duckdb", [p for p in files if p not in held_back])
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> E2EStore:
    """A real store of Northmoor's synthetic returns, all but the last month loaded (built
    once a run, each worker its own copy: tests upload into it)."""
    root = built_once(tmp_path_factory, worker_id, "e2e", _build_e2e)
    files = (p for p in (root / "files").rglob("*") if p.is_file())
    held_back = {p.name: p for p in files if UPLOAD_MONTH in p.name}
    db = root / "store" / "csc.duckdb"
    return E2EStore(db, max(api.months(db)), held_back)


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """The benchmark's health wait, failing the test with the server's own last words."""
    try:
        wait_healthy(url, server, SERVER_START_TIMEOUT_S)
    except RuntimeError as exc:
        pytest.fail(f"{exc}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def app_url(e2e_store: E2EStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, reading the e2e store."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); e2e tests need it")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {
        **os.environ,
        "CSC_DB": str(e2e_store.db),
        "GX_ANALYTICS_ENABLED": "false",
        # Local mode without sign-in, as an administrator (so the upload journey may load and
        # every page, the administrators' too, is checked); the store is the council kind
        # ("real") so that uploaded returns may join it.
        "CSC_AUTH": "none",
        "CSC_ALLOW_NO_SIGNIN": "1",
        "CSC_DEMO_ROLE": "admin",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def browser(app_url: str) -> Iterator[object]:
    """Debian's Chromium, headless, shared by every test (each test gets its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url: str) -> Iterator[object]:
    """A fresh browser context (own session, own downloads) at a laptop's 1366×768."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="en-GB"
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from node_modules (``npm ci`` at the repository root installs it)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` at the repository root")
    return AXE_JS
