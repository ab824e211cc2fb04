"""Measurements 3 and 4: the overview page's server-side run, and the app's cold start.

Both use Streamlit's own ``AppTest`` (the script run a browser session triggers, without the
browser). The bound is the same harness running a one-line page, so the ratio is the cost of
our page over Streamlit's own floor. The cold start runs in a fresh interpreter, imports
included, and reports whether Great Expectations was imported on the way (it must not be:
it is the loader's, and costs seconds).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.queries import clear_data_caches
from benchmarks.stores import StoreInfo
from benchmarks.timing import Measurement, median_seconds

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
FLOOR_PAGE = "import streamlit as st\nst.title('Floor')\n"
TIMEOUT = 300


def local_env(db: Path) -> dict[str, str]:
    """The app in local mode (no sign-in) on ``db``, as the app tests run it."""
    return {
        "CSC_DB": str(db),
        "CSC_AUTH": "none",
        "CSC_ALLOW_NO_SIGNIN": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }


def _run_overview() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if at.exception:
        raise RuntimeError(f"the overview page failed: {at.exception[0].message}")
    if not any("at a glance" in t.value for t in at.title):
        raise RuntimeError("the default page was not the overview")


def _run_floor() -> None:
    from streamlit.testing.v1 import AppTest

    AppTest.from_string(FLOOR_PAGE, default_timeout=TIMEOUT).run()


def overview_run(info: StoreInfo, runs: int) -> list[Measurement]:
    """The overview page's full run: first viewer after a load (cold) and later ones (warm)."""
    os.environ.update(local_env(info.db))
    _run_floor()
    _run_overview()  # Python modules imported once per server process, not per viewer
    bound = median_seconds(_run_floor, runs)
    cold = median_seconds(_run_overview, runs, before=clear_data_caches)
    warm = median_seconds(_run_overview, runs)
    floor = "AppTest run of a one-line page"
    return [
        Measurement(
            "overview_page",
            "Overview page, server-side run (AppTest, cold cache)",
            info.label,
            cold,
            "s",
            runs,
            floor,
            bound,
            (1, "s"),
        ),
        Measurement(
            "overview_page_warm",
            "Overview page, server-side run (AppTest, cached)",
            info.label,
            warm,
            "s",
            runs,
            floor,
            bound,
            (1, "s"),
        ),
    ]


COLD_CHILD = """
import sys
from streamlit.testing.v1 import AppTest
if sys.argv[1] == "floor":
    at = AppTest.from_string({floor!r}).run()
else:
    at = AppTest.from_file(sys.argv[1], default_timeout={timeout}).run()
    assert not at.exception, at.exception[0].message
print("great_expectations imported:", "great_expectations" in sys.modules)
"""


def _fresh_process(target: str, db: Path) -> tuple[float, bool]:
    """Wall time of a new interpreter running ``target`` once; and whether GX was imported."""
    code = COLD_CHILD.format(floor=FLOOR_PAGE, timeout=TIMEOUT)
    env = {**os.environ, **local_env(db), "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, target],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed: {done.stderr[-2000:]}")
    return elapsed, "great_expectations imported: True" in done.stdout


def cold_start(info: StoreInfo, runs: int) -> Measurement:
    """A fresh process to the overview drawn, imports included, vs the one-line page."""
    times, gx = [], False
    bound = median_seconds(lambda: _fresh_process("floor", info.db), runs)
    for _ in range(runs):
        elapsed, imported = _fresh_process(str(APP), info.db)
        times.append(elapsed)
        gx = gx or imported
    times.sort()
    return Measurement(
        "cold_start",
        "App cold start to first page, fresh process "
        f"(Great Expectations imported: {'yes' if gx else 'no'})",
        info.label,
        times[len(times) // 2],
        "s",
        runs,
        "fresh process, AppTest of a one-line page",
        bound,
        (5, "s"),
    )
