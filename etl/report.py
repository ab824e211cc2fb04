"""The validation report an analyst reads when a file is checked.

Every check — a Great Expectations expectation or a plain-code check beside it — ends up as
one ``Problem`` (blocks the load) or ``Warning`` (loaded, but worth knowing), each naming the
check, the column, how many rows and example row numbers. Row numbers are spreadsheet rows
(the header is row 1), so the analyst can open the file in Excel and go straight there.
Identifier values are never copied into a report: reports are kept beside rejected files and
shown on screen, and must not become a second copy of children's data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

EXAMPLE_ROWS = 10


@dataclass
class Finding:
    """One failed check: what, where, how many rows and what to do about it."""

    check: str
    message: str
    column: str | None = None
    rows_affected: int = 0
    example_rows: list[int] = field(default_factory=list)
    fix: str = ""

    def line(self) -> str:
        """One readable line for a terminal or a list on screen."""
        where = f" [{self.column}]" if self.column else ""
        rows = ""
        if self.rows_affected:
            rows = f" — {self.rows_affected:,} row(s)"
        if self.example_rows:
            examples = ", ".join(str(r) for r in self.example_rows[:EXAMPLE_ROWS])
            more = "…" if self.rows_affected > len(self.example_rows[:EXAMPLE_ROWS]) else ""
            rows += f", e.g. row {examples}{more}"
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.message}{where}{rows}.{fix}"


@dataclass
class ValidationReport:
    """The outcome of checking one file, before anything is written."""

    file_name: str
    return_type: str | None = None
    month: str | None = None  # YYYY-MM
    rows: int = 0
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    #: A workbook's lists, one line each: what each gave (or "not used"), rows, months.
    lists: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The one-line reason stored in load_log and shown first."""
        if self.accepted:
            return "passed all checks"
        first = self.problems[0].message
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")

    def to_text(self) -> str:
        head = f"{self.file_name}: " + ("accepted" if self.accepted else "REJECTED")
        if self.return_type:
            head += f" — {self.return_type}" + (f" {self.month}" if self.month else "")
        if self.rows:
            head += f", {self.rows:,} rows"
        lines = [head]
        lines += [f"  · {item}" for item in self.lists]
        lines += [f"  ✖ {p.line()}" for p in self.problems]
        lines += [f"  ! {w.line()}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {**asdict(self), "accepted": self.accepted, "summary": self.summary()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> ValidationReport:
        raw = json.loads(text)
        return cls(
            file_name=raw["file_name"],
            return_type=raw.get("return_type"),
            month=raw.get("month"),
            rows=raw.get("rows", 0),
            problems=[Finding(**p) for p in raw.get("problems", [])],
            warnings=[Finding(**w) for w in raw.get("warnings", [])],
            lists=raw.get("lists", []),
        )


class FileRejected(Exception):
    """Raised by the reader when a file cannot be read as a return at all."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding
        #: Set once the file is known to be a declared return (the reader knew which before
        #: it refused): only such a file may be kept as sent beside its report.
        self.identified = False
