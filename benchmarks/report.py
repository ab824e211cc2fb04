"""BENCHMARKS.md: the generated results between two markers; the written analysis around them
is kept as it is, so a new run refreshes the figures without losing the explanation."""

from __future__ import annotations

import os
import platform
from datetime import datetime
from pathlib import Path

import duckdb

from benchmarks.stores import StoreInfo
from benchmarks.timing import HEADER, Measurement
from metrics.formatting import uk_date

START = "<!-- results:start (written by python -m benchmarks; edit outside these markers) -->"
END = "<!-- results:end -->"


def machine() -> str:
    """Cores, memory, Python and DuckDB versions of this machine."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {ram:.0f} GB RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def results_block(
    results: list[Measurement], stores: list[tuple[StoreInfo, float]], command: str
) -> str:
    """The generated part: when, where, the stores, and every measurement with its ratio."""
    lines = [
        START,
        f"Run on {uk_date(datetime.now().date())} with `{command}`.",
        "",
        f"Machine: {machine()}.",
        "",
        "Stores (built once by `benchmarks.stores.build_store`, then reused):",
        "",
        "| store | caseloads | visits | icpc | supervision | kpi_values | build |",
        "|---|---|---|---|---|---|---|",
    ]
    for info, seconds in stores:
        counts = " | ".join(
            f"{info.rows[n]:,}" for n in ("caseloads", "visits", "icpc", "supervision")
        )
        built = f"{seconds:,.0f} s" if seconds >= 1 else "reused"
        lines.append(f"| {info.label} | {counts} | {info.rows['kpi_values']:,} | {built} |")
    lines += ["", HEADER, *(m.row() for m in results), END]
    return "\n".join(lines)


def write_report(path: Path, block: str) -> None:
    """Replace the generated block in ``path`` (or start the file with it)."""
    text = path.read_text("utf-8") if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(before + block + after, "utf-8")
