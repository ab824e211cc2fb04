"""Small-number suppression: what a figure looks like once it leaves the council.

A count of 1 to 4 children can single a child out, and so can a percentage worked out from
fewer than 5 cases ("1 of 3 children seen alone"). Exports therefore show such counts as "<5"
and withhold such percentages. Zero is safe to show and is shown. The rule and its threshold
are council settings (``suppression`` in ``config/council.yaml``), on by default for exports;
the dashboard inside the council shows every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.config import load_config
from metrics.formatting import count_text, format_figure, format_value, is_missing

WITHHELD = "withheld"


@dataclass(frozen=True)
class Suppressor:
    """Formats KPI figures, hiding small numbers when ``enabled``."""

    enabled: bool
    threshold: int = 5

    @property
    def small(self) -> str:
        """How a hidden count is written: ``<5``."""
        return f"<{self.threshold}"

    def hides_count(self, count: object) -> bool:
        """True for a count from 1 up to (not including) the threshold."""
        return self.enabled and not is_missing(count) and 0 < float(count) < self.threshold

    def withholds(self, unit: str, denominator: object) -> bool:
        """True for a percentage worked out from a denominator below the threshold."""
        return (
            self.enabled
            and unit == "percent"
            and not is_missing(denominator)
            and 0 < float(denominator) < self.threshold
        )

    def hides(self, value: object, unit: str, denominator: object = None) -> bool:
        """True when this KPI value is not shown in the export (``<5`` or ``withheld``)."""
        return (unit == "count" and self.hides_count(value)) or self.withholds(unit, denominator)

    def value(self, value: object, unit: str, denominator: object = None) -> str:
        """A KPI value as shown in this export: formatted, ``<5`` or ``withheld``."""
        if unit == "count" and self.hides_count(value):
            return self.small
        if self.withholds(unit, denominator):
            return WITHHELD
        return format_value(value, unit)

    def figure(
        self, value: object, unit: str, numerator: object = None, denominator: object = None
    ) -> str:
        """A KPI value with the counts behind a percentage: ``78.6% (11 of 14)``.

        A hidden value stays ``<5`` / ``withheld``; a shown one has its small counts hidden
        (``21.4% (<5 of 14)``) when suppression is on.
        """
        if self.hides(value, unit, denominator):
            return self.value(value, unit, denominator)
        if not self.enabled or unit != "percent":
            return format_figure(value, unit, numerator, denominator)
        counts = count_text(numerator, denominator)
        if counts:
            counts = f"{self.count(numerator)} of {self.count(denominator)}"
        shown = format_value(value, unit)
        return f"{shown} ({counts})" if counts else shown

    def count(self, count: object) -> str:
        """A plain count of children or cases (not a KPI value) as shown in this export."""
        return self.small if self.hides_count(count) else format_value(count, "count")

    def note(self) -> str:
        """The sentence that tells the reader what was hidden and why."""
        if not self.enabled:
            return "Small numbers are shown in full: this copy is for use inside the council."
        return (
            f"Counts from 1 to {self.threshold - 1} are shown as {self.small}, and percentages "
            f"of fewer than {self.threshold} cases are {WITHHELD}, so no child can be singled out."
        )


SHOW_ALL = Suppressor(enabled=False)


def for_exports() -> Suppressor:
    """The council's suppression rule for anything that leaves the council."""
    rule = load_config().suppression
    return Suppressor(enabled=rule.enabled_for_exports, threshold=rule.threshold)
