"""Medians, bounds, ratios and the lines and table they are reported in."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


def median_seconds(
    work: Callable[[], object], runs: int, before: Callable[[], object] | None = None
) -> float:
    """The median wall time of ``work`` over ``runs`` runs (``before`` runs untimed each time)."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Measurement:
    """One figure, the bound it is compared with, and the target it is judged against.

    ``target`` is ``(limit, unit)``: unit ``x`` compares the ratio, ``s`` the figure itself;
    ``None`` for figures reported without a target. ``ratio_limit`` adds a ratio the figure
    must also stay within (a page must be both fast and near Streamlit's own floor).
    ``context`` is printed beside the figure: the machine's load average when it was taken,
    for figures a shared machine's other work can move.
    """

    key: str
    what: str
    store: str
    value: float
    unit: str  # "s" or "MB"
    runs: int
    bound_what: str
    bound: float
    target: tuple[float, str] | None = None
    note: str = ""
    ratio_limit: float | None = None
    context: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.bound if self.bound > 0 else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "no target"
        limit, unit = self.target
        measured = self.ratio if unit == "x" else self.value
        within = self.ratio_limit is None or self.ratio <= self.ratio_limit
        return "met" if measured <= limit and within else "missed"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        limit, unit = self.target
        text = f"≤ {limit:g}×" if unit == "x" else f"≤ {limit:g} {unit}"
        return text + (f" and ≤ {self.ratio_limit:g}×" if self.ratio_limit is not None else "")

    def figure(self, amount: float) -> str:
        return f"{amount:,.3f} s" if self.unit == "s" else f"{amount:,.0f} MB"

    def line(self) -> str:
        """The printed line: figure, bound, ratio and verdict (the CI test looks for these)."""
        return (
            f"[{self.key}] {self.what} ({self.store}): {self.figure(self.value)} "
            f"median of {self.runs}{f' ({self.context})' if self.context else ''}; "
            f"bound {self.bound_what}: {self.figure(self.bound)}; "
            f"ratio {self.ratio:.2f}x; target {self.target_text}: {self.verdict}"
        )

    def row(self) -> str:
        cells = [
            self.what,
            self.store,
            f"{self.figure(self.value)} ({self.runs} run{'s' if self.runs > 1 else ''}"
            + (f"; {self.context})" if self.context else ")"),
            f"{self.bound_what}: {self.figure(self.bound)}",
            f"{self.ratio:.2f}×",
            self.target_text,
            self.verdict,
        ]
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| measurement | store | median | bound (same run) | ratio | target | verdict |\n"
    "|---|---|---|---|---|---|---|"
)


def report(m: Measurement, results: list[Measurement]) -> Measurement:
    """Print a measurement's line at once (long runs show progress) and keep it."""
    print(m.line(), flush=True)
    sys.stdout.flush()
    results.append(m)
    return m
