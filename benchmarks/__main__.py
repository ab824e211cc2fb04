"""``python -m benchmarks [--quick | --smoke] [--store-dir data/bench]``: every measurement,
printed as it is taken (one ``[key]`` line each, with its bound and ratio), then written to
BENCHMARKS.md (the full run only).

Three sizes: the full run (1, 20 and 153 councils: the figures BENCHMARKS.md records), the
quick run (a few minutes, for a check by hand after a change) and the smoke run (every
measurement taken once on the smallest inputs: what the test suite runs to prove each
measurement still works; its figures say little).

Exits non-zero only if something fails; a missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from benchmarks import app_runs, browser, census, loading, queries, ssd, ssda903
from benchmarks.report import results_block, write_report
from benchmarks.stores import StoreInfo, build_store
from benchmarks.timing import Measurement, report
from etl.read.reader import max_bytes

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    """How big and how often: the full, quick or smoke run."""

    councils: tuple[int, ...]
    months: int
    runs: int
    app_runs: int
    cold_runs: int
    cold_every_store: bool
    load_rows: int
    memory_mb: tuple[int, ...]
    memory_cap_mb: int
    browser_runs: int
    first_start_runs: int
    #: pages the browser part opens (their url paths); None: every page
    browser_pages: tuple[str, ...] | None = None
    #: children in the synthetic CIN census loaded (issue 28: a large council's, 40,000)
    census_children: int = 40_000
    #: episodes in the synthetic SSDA903 year loaded as a set
    ssda903_episodes: int = 100_000
    #: children in the synthetic SSD extract (issue 29: a large council's, 30,000)
    ssd_children: int = 30_000


FULL = Plan((1, 20, 153), 120, 5, 3, 3, True, 100_000, (100, 1024), 8_000, 3, 3)
# The quick run opens three pages in the browser: the overview (tiles), Caseloads (the
# heaviest area page, with its own target) and Statutory visits; the full run opens them all.
QUICK = Plan(
    (1, 3),
    12,
    3,
    2,
    1,
    False,
    10_000,
    (4,),
    4_000,
    1,
    1,
    ("overview", "caseloads", "visits"),
    census_children=4_000,
    ssda903_episodes=10_000,
    ssd_children=500,
)
SMOKE = Plan(
    (1,),
    3,
    1,
    1,
    1,
    False,
    2_000,
    (2,),
    4_000,
    1,
    1,
    ("overview", "caseloads"),
    census_children=300,
    ssda903_episodes=1_000,
    ssd_children=200,
)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small stores, a few minutes")
    size.add_argument(
        "--smoke", action="store_true", help="every measurement once on the smallest inputs"
    )
    parser.add_argument("--store-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument(
        "--councils", type=int, nargs="+", help="store sizes in councils (default 1 20 153)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="Markdown file to write (default BENCHMARKS.md for a full run; none otherwise)",
    )
    return parser.parse_args(argv)


def _stores(plan: Plan, folder: Path) -> list[tuple[StoreInfo, float]]:
    built = []
    for councils in plan.councils:
        start = time.perf_counter()
        info = build_store(folder, councils, plan.months)
        seconds = time.perf_counter() - start
        print(f"store {info.label}: {info.rows['visits']:,} visit rows ({seconds:,.0f} s)")
        built.append((info, seconds))
    return built


def run(plan: Plan, folder: Path) -> tuple[list[Measurement], list[tuple[StoreInfo, float]]]:
    """Build or reuse the stores, then take every measurement in turn."""
    results: list[Measurement] = []
    stores = _stores(plan, folder)
    for info, _ in stores:
        for m in queries.measure(info, plan.runs):
            report(m, results)
        for m in app_runs.overview_run(info, plan.app_runs):
            report(m, results)
        if plan.cold_every_store or info is stores[-1][0]:
            report(app_runs.cold_start(info, plan.cold_runs), results)
    # In a real browser, on the one-council store (what a council's own dashboard holds).
    one = stores[0][0]
    for m in browser.page_views(one.db, one.label, plan.browser_runs, folder, plan.browser_pages):
        report(m, results)
    report(browser.first_start(plan.first_start_runs, folder), results)
    files = folder / "files"
    base = loading.visits_file(files, plan.load_rows)
    for m in loading.load_time(base, plan.load_rows, plan.runs):
        report(m, results)
    for megabytes in plan.memory_mb:
        big = loading.tiled_file(files, base, megabytes)
        report(loading.peak_memory(big, plan.memory_cap_mb, limit_mb=2 * megabytes), results)
        if megabytes * 2**20 > max_bytes():  # and as shipped: refused before it is read
            report(loading.peak_memory(big, plan.memory_cap_mb), results)
    for m in census.measure(files, plan.census_children, plan.runs, plan.memory_cap_mb):
        report(m, results)
    for m in ssda903.measure(files, plan.ssda903_episodes, plan.runs, plan.memory_cap_mb):
        report(m, results)
    for m in ssd.measure(files, plan.ssd_children, plan.runs):
        report(m, results)
    return results, stores


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    plan = QUICK if args.quick else SMOKE if args.smoke else FULL
    if args.councils:
        plan = Plan(tuple(args.councils), *list(vars(plan).values())[1:])
    args.store_dir.mkdir(parents=True, exist_ok=True)
    results, stores = run(plan, args.store_dir.resolve())
    full = not (args.quick or args.smoke)
    target = args.report or (ROOT / "BENCHMARKS.md" if full else None)
    if target is not None:
        command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
        write_report(target, results_block(results, stores, command))
        print(f"written {target}")
    missed = [m.key for m in results if m.verdict == "missed"]
    print(f"{len(results)} measurements; targets missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
