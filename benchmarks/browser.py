"""Measurement 6: what people wait for in a real browser, page by page, and the first start.

The server side can be fast while the browser still shows an empty-looking page for seconds
(Plotly draws every chart in the browser), so this drives ``streamlit run app.py`` in
Debian's headless Chromium with Playwright and times, per page:

- **content**: navigation start to the page's title (its ``h1``) shown, not stale;
- **last chart**: navigation start to the script run over, nothing stale and every chart
  container holding its drawn SVG (Plotly), canvas (data grids) or loaded picture (the
  static trend charts of ``charts.static``), held for ``SETTLE_S``;

**cold** in a fresh browser context (a new visitor: Streamlit's page, websocket and session
all new), **warm** by the sidebar link from the page before (someone moving round the app).
Times are taken inside the page (``performance.now()``), so Playwright's own latency is not
counted. The bound is the same measurement of a page holding one ``st.write``, served by a
second Streamlit server started with the same options: the floor of Streamlit itself.

The first start is a fresh server on an empty store folder to the overview's last chart,
against the same server start to the one-``st.write`` page.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.app_runs import local_env
from benchmarks.timing import Measurement
from ui.navigation import PAGES, PageEntry

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1920, "height": 1080}
#: A page counts as drawn once its "drawn" state has held this long (a rerun would reset it).
SETTLE_S = 1.0
PAGE_TIMEOUT_S = 120
FIRST_START_TIMEOUT_S = 300
SERVER_START_TIMEOUT_S = 60
#: Targets (issue 17), on an idle 2-core machine: last chart after navigation, page to page.
COLD_TARGET_S = 2.0
COLD_TARGET_S_BY_PAGE = {"caseloads": 3.0}
WARM_TARGET_S = 1.0
FLOOR_RATIO = 3.0
FIRST_START_TARGET_S = 15.0

#: One ``st.write`` per page; two pages so that page-to-page has a floor too.
FLOOR_APP = """
import streamlit as st

st.navigation([
    st.Page(lambda: st.write("# Floor"), title="Floor", url_path="floor", default=True),
    st.Page(lambda: st.write("# Floor two"), title="Floor two", url_path="two"),
]).run()
"""

#: Watches the page every animation frame; records when the title and the last chart appear.
PROBE = """
(() => {
  const probe = window.__csc = {start: 0, content: null, drawn: null, expect: null,
                                charts: 0, error: null};
  const title = () => {
    const h1 = document.querySelector('[data-testid="stMain"] h1');
    if (!h1 || h1.closest('[data-stale="true"]')) return false;
    return !probe.expect || h1.textContent.includes(probe.expect);
  };
  const drawn = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
    const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
    const pictures = [...document.querySelectorAll('img.csc-chart')];
    if (!plots.every(el => el.querySelector('.main-svg'))) return false;
    if (!grids.every(el => el.querySelector('canvas'))) return false;
    if (!pictures.every(img => img.complete && img.naturalWidth > 0)) return false;
    probe.charts = plots.length + grids.length + pictures.length;
    return true;
  };
  const tick = () => {
    const now = performance.now();
    const error = document.querySelector('[data-testid="stException"]');
    if (error) probe.error = error.innerText.slice(0, 500);
    if (title()) {
      if (probe.content === null) probe.content = now;
      if (drawn()) { if (probe.drawn === null) probe.drawn = now; }
      else probe.drawn = null;
    } else {
      probe.drawn = null;
    }
    requestAnimationFrame(tick);
  };
  document.addEventListener('click', () => {
    probe.start = performance.now(); probe.content = null; probe.drawn = null;
  }, true);
  requestAnimationFrame(tick);
})();
"""


@dataclass(frozen=True)
class PageTimes:
    """One page view: seconds from navigation (or the click) to the title and the last chart."""

    content: float
    last_chart: float
    charts: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s")


def server_command(script: str, port: int) -> list[str]:
    """``streamlit run`` headless on loopback, as a council would run it behind a proxy."""
    return [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


@contextmanager
def serve(script: str, db: Path, log: Path) -> Iterator[str]:
    """A Streamlit server for ``script`` on ``db`` (local mode, as an administrator, so every
    page is listed); yields its URL once healthy and stops it afterwards."""
    port = free_port()
    env = {**os.environ, **local_env(db), "CSC_DEMO_ROLE": "admin"}
    with log.open("ab") as out:
        server = subprocess.Popen(
            server_command(script, port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, SERVER_START_TIMEOUT_S)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless (never downloaded: ``playwright install`` cannot work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser) -> object:
    """A fresh context (a new visitor) with the probe installed, at a board screen's size."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    context.add_init_script(PROBE)
    return context.new_page()


def settled(tab, timeout: float = PAGE_TIMEOUT_S) -> PageTimes:
    """Wait until the page has been drawn for ``SETTLE_S``; its times since the start mark."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = tab.evaluate("() => ({...window.__csc, now: performance.now()})")
        if state["error"]:
            raise RuntimeError(f"the page shows an error: {state['error']}")
        if state["drawn"] is not None and state["now"] - state["drawn"] >= SETTLE_S * 1000:
            return PageTimes(
                (state["content"] - state["start"]) / 1000,
                (state["drawn"] - state["start"]) / 1000,
                state["charts"],
            )
        time.sleep(0.1)
    raise RuntimeError(f"the page was not drawn within {timeout:.0f} s")


def cold_view(browser, url: str) -> tuple[PageTimes, str]:
    """A new visitor opening ``url``: its times and the title it showed."""
    tab = new_tab(browser)
    try:
        tab.goto(url, wait_until="commit")
        times = settled(tab)
        return times, tab.locator('[data-testid="stMain"] h1').first.inner_text()
    finally:
        tab.context.close()


def warm_view(tab, link_title: str, expect_title: str) -> PageTimes:
    """Move to another page by its sidebar link, in the session already open in ``tab``."""
    tab.evaluate("t => { window.__csc.expect = t; }", expect_title)
    link = tab.locator('[data-testid="stSidebarNavLink"]').filter(has_text=link_title).first
    link.click()
    return settled(tab)


def _url(base: str, entry: PageEntry) -> str:
    return base + "/" + ("" if entry.default else entry.url_path)


@dataclass(frozen=True)
class Views:
    """Every view of one page: cold and warm runs."""

    cold: list[PageTimes]
    warm: list[PageTimes]


def _views(browser, base: str, pages: list[tuple[str, str]], runs: int) -> list[Views]:
    """``pages`` are (url path, link title); a warm-up view of each first (Streamlit compiles
    a page script on its first run, and the metrics caches fill), then ``runs`` of each."""
    titles = [cold_view(browser, f"{base}/{path}")[1] for path, _ in pages]
    cold: list[list[PageTimes]] = [[] for _ in pages]
    warm: list[list[PageTimes]] = [[] for _ in pages]
    for _ in range(runs):
        for i, (path, _) in enumerate(pages):
            cold[i].append(cold_view(browser, f"{base}/{path}")[0])
        tab = new_tab(browser)
        try:
            tab.goto(f"{base}/{pages[-1][0]}", wait_until="commit")
            settled(tab)
            for i, (_, link) in enumerate(pages):
                warm[i].append(warm_view(tab, link, titles[i]))
        finally:
            tab.context.close()
    return [Views(c, w) for c, w in zip(cold, warm, strict=True)]


def _median(values: list[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    """The 1-minute load average now: this machine is shared, so every figure carries it."""
    return Path("/proc/loadavg").read_text().split()[0]


def page_views(
    db: Path, store_label: str, runs: int, log_dir: Path, only: tuple[str, ...] | None = None
) -> list[Measurement]:
    """Every page of the app (or those whose url path is in ``only``), cold and warm, beside
    the one-``st.write`` page."""
    entries = [
        (("" if e.default else e.url_path), e.title, e.url_path)
        for e in PAGES
        if only is None or e.url_path in only
    ]
    with tempfile.TemporaryDirectory(prefix="csc-floor-") as folder:
        floor_script = Path(folder) / "floor_app.py"
        floor_script.write_text(FLOOR_APP, "utf-8")
        with (
            chromium() as browser,
            serve(str(floor_script), db, log_dir / "floor.log") as floor_url,
            serve("app.py", db, log_dir / "app.log") as app_url,
        ):
            floor = _views(browser, floor_url, [("", "Floor"), ("two", "Floor two")], runs)
            views = _views(browser, app_url, [(p, t) for p, t, _ in entries], runs)
    floor_cold = _median([t.last_chart for v in floor for t in v.cold])
    floor_warm = _median([t.last_chart for v in floor for t in v.warm])
    floor_content = _median([t.content for v in floor for t in v.cold])
    note = f"load average {load_average()}"
    results = []
    for (_, title, key), view in zip(entries, views, strict=True):
        charts = max(t.charts for t in view.cold)
        cold_target = COLD_TARGET_S_BY_PAGE.get(key, COLD_TARGET_S)
        results += [
            Measurement(
                f"browser_cold:{key}",
                f"{title}: new visitor to last chart drawn ({charts} charts; browser, cold)",
                store_label,
                _median([t.last_chart for t in view.cold]),
                "s",
                len(view.cold),
                "one-st.write page, new visitor",
                floor_cold,
                (cold_target, "s"),
                ratio_limit=FLOOR_RATIO,
                context=note,
            ),
            Measurement(
                f"browser_content:{key}",
                f"{title}: new visitor to page title shown (browser, cold)",
                store_label,
                _median([t.content for t in view.cold]),
                "s",
                len(view.cold),
                "one-st.write page, new visitor",
                floor_content,
                context=note,
            ),
            Measurement(
                f"browser_warm:{key}",
                f"{title}: sidebar link to last chart drawn (browser, warm)",
                store_label,
                _median([t.last_chart for t in view.warm]),
                "s",
                len(view.warm),
                "one-st.write page, sidebar link",
                floor_warm,
                (WARM_TARGET_S, "s"),
                ratio_limit=FLOOR_RATIO,
                context=note,
            ),
        ]
    return results


def _first_start_once(browser, script: str, db: Path, log: Path) -> float:
    """Seconds from spawning the server to the default page drawn in a browser."""
    start = time.perf_counter()
    with serve(script, db, log) as url:
        tab = new_tab(browser)
        try:
            opened = time.perf_counter()
            tab.goto(url, wait_until="commit")
            times = settled(tab, FIRST_START_TIMEOUT_S)
            return opened - start + times.last_chart
        finally:
            tab.context.close()


def first_start(runs: int, log_dir: Path) -> Measurement:
    """A new installation: an empty store folder to a complete overview drawn."""
    times, bounds = [], []
    with chromium() as browser, tempfile.TemporaryDirectory(prefix="csc-first-") as folder:
        floor_script = Path(folder) / "floor_app.py"
        floor_script.write_text(FLOOR_APP, "utf-8")
        for run in range(runs):
            db = Path(folder) / f"run{run}" / "csc.duckdb"
            bounds.append(_first_start_once(browser, str(floor_script), db, log_dir / "floor.log"))
            times.append(_first_start_once(browser, "app.py", db, log_dir / "first.log"))
    return Measurement(
        "first_start",
        "First start: empty store to the demo overview drawn (server start, demo build, browser)",
        "demo store, built",
        _median(times),
        "s",
        runs,
        "server start to a one-st.write page",
        _median(bounds),
        (FIRST_START_TARGET_S, "s"),
        context=f"load average {load_average()}",
    )
