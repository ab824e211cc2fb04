"""Real-world identifiers and disguises inside a return's values, found before anything is
staged.

An ID column must hold the case management system's own (pseudonymous) IDs. A child ID that
is an NHS number (ten digits passing the NHS check digit) or shaped like a unique pupil number
(a letter and twelve characters) identifies a child outside the council: the column cannot be
dropped, so the file is refused, naming the column and the pattern, never a value. A full
postcode in a team name is personal data in a column that is kept: refused the same way.
Invisible format characters (zero-width spaces, direction marks) make two IDs that look the
same differ: they are removed, and the report says how many values held them.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from etl.report import EXAMPLE_ROWS, FileRejected, Finding

#: Ten digits, perhaps written 3-3-4 with spaces or hyphens.
_TEN_DIGITS = re.compile(r"^\d{3}[ -]?\d{3}[ -]?\d{4}$")
#: A unique pupil number: a check letter, then 11 digits, then a digit or (temporary UPN) a letter.
_UPN = re.compile(r"^[A-Za-z]\d{11}[0-9A-Za-z]$")
#: A full UK postcode (outward and inward code), e.g. "ZZ99 3WZ" (the NHS's pseudo-postcode).
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]{1,2}\d[A-Za-z\d]?|GIR) ?\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}"
    r"(?![A-Za-z0-9])"
)
#: Inside words people write (commentary): ten digits as an NHS number is written, a UPN, a
#: date of birth named as such, and a full date (day, month and year) in any common form.
_TEN_DIGITS_IN_TEXT = re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])")
_UPN_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{11}[0-9A-Za-z](?![A-Za-z0-9])")
_BIRTH_WORDS = re.compile(r"\b(d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|born|birthday)\b", re.I)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_FULL_DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?P<y1>\d{4})|(?P<y2>\d{4})-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})[a-z]*\.?,?\s+(?P<y3>\d{{4}}))\b",
    re.I,
)
#: A full date this many years or more before the month a commentary is for is read as a date
#: of birth: the events a board follows are recent; a child's birthday is years back.
BIRTH_YEARS = 3
#: Characters that draw nothing: zero-width space/joiners, direction marks, word joiner, BOM,
#: soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def is_nhs_number(text: str) -> bool:
    """Ten digits whose last is the NHS modulus-11 check digit of the first nine."""
    if not _TEN_DIGITS.match(text):
        return False
    digits = [int(c) for c in text if c.isdigit()]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def is_upn_shaped(text: str) -> bool:
    """A letter and twelve characters: the shape of a unique pupil number."""
    return bool(_UPN.match(text))


_IDENTIFIES = "such values identify a person outside the council and cannot be stored"


def identifier_in_text(text: str, month: date | None = None) -> str | None:
    """The kind of child's identifier written inside free text (``nhs``, ``upn``,
    ``postcode`` or ``birth``), or None: what refuses a commentary, never quoted back.

    A date of birth is a date named as one ("DOB", "born") or a full date ``BIRTH_YEARS``
    or more before ``month``.
    """
    if any(is_nhs_number(m.group()) for m in _TEN_DIGITS_IN_TEXT.finditer(text)):
        return "nhs"
    if _UPN_IN_TEXT.search(text):
        return "upn"
    if _POSTCODE.search(text):
        return "postcode"
    if _BIRTH_WORDS.search(text):
        return "birth"
    if month is not None:
        for found in _FULL_DATE.finditer(text):
            year = int(found.group("y1") or found.group("y2") or found.group("y3"))
            if year <= month.year - BIRTH_YEARS:
                return "birth"
    return None


#: What each kind found in free text is, for a refusal that never quotes it.
TEXT_KINDS = {
    "nhs": "an NHS number (10 digits passing the NHS check digit)",
    "upn": "a unique pupil number (a letter and 12 characters)",
    "postcode": "a full postcode",
    "birth": f"a date of birth (named as one, or a full date {BIRTH_YEARS} or more years back)",
    "child_id": "a child's ID held in the store",
}


class IdentifierScan:
    """Real-world identifiers found chunk by chunk; the file is refused at its end, so the
    count and rows are the same however it is chunked. Each value found is blanked at once,
    so no copy of it is staged."""

    def __init__(
        self,
        id_columns: list[str],
        text_columns: list[str],
        free_text: list[str] = (),
        month: date | None = None,
    ) -> None:
        self._ids, self._texts = id_columns, [c for c in text_columns if c not in free_text]
        self._free, self._month = list(free_text), month
        self._found: dict[tuple[str, str], list] = {}  # (column, kind) -> [count, rows]

    def _note(self, frame: pd.DataFrame, column: str, kind: str, hit: pd.Series) -> None:
        if not hit.any():
            return
        count, rows = self._found.setdefault((column, kind), [0, []])
        rows += [int(i) + 2 for i in hit[hit].index[: EXAMPLE_ROWS - len(rows)]]
        self._found[(column, kind)][0] = count + int(hit.sum())
        frame.loc[hit, column] = ""

    def add(self, frame: pd.DataFrame) -> None:
        for column in self._ids:
            if column not in frame:
                continue
            values = frame[column].fillna("").astype("str").str.strip()
            if column.startswith("child"):
                self._note(frame, column, "nhs", values.map(is_nhs_number).astype(bool))
            self._note(frame, column, "upn", values.str.match(_UPN))
        for column in self._texts:
            if column in frame:
                hit = frame[column].fillna("").astype("str").str.contains(_POSTCODE)
                self._note(frame, column, "postcode", hit)
        for column in self._free:
            if column in frame:
                kinds = frame[column].fillna("").astype("str").map(self._kind)
                for kind in TEXT_KINDS:
                    self._note(frame, column, f"text_{kind}", kinds == kind)

    def _kind(self, text: str) -> str | None:
        return identifier_in_text(text, self._month) if text else None

    def refusal(self) -> FileRejected | None:
        """The first identifier found, as a refusal naming the column and the pattern."""
        if not self._found:
            return None
        (column, kind), (count, rows) = next(iter(self._found.items()))
        if kind.startswith("text_"):
            return FileRejected(text_finding(column, kind.removeprefix("text_"), count, rows))
        what, why, fix = {
            "nhs": (
                "NHS numbers (10 digits passing the NHS check digit)",
                _IDENTIFIES,
                f"Export the case management system's own child ID in {column}, not the "
                "NHS number.",
            ),
            "upn": (
                "values shaped like unique pupil numbers (a letter and 12 characters)",
                _IDENTIFIES,
                f"Export the case management system's own ID in {column}, not the UPN.",
            ),
            "postcode": (
                "a full postcode",
                "an address is personal data and cannot be stored",
                f"Take the addresses out of {column}: a team's name only.",
            ),
        }[kind]
        return FileRejected(
            Finding(
                check="real_world_identifier",
                message=f"{column} holds {what} on {count:,} row(s): {why}",
                column=column,
                rows_affected=count,
                example_rows=rows,
                fix=fix,
            )
        )


def text_finding(column: str, kind: str, count: int, rows: list[int]) -> Finding:
    """A refusal of free text holding a child's identifier: the column, the kind and the
    rows, never the words (``kind`` a key of ``TEXT_KINDS``)."""
    return Finding(
        check="real_world_identifier",
        message=f"{column} holds {TEXT_KINDS[kind]} on {count:,} row(s): commentary is "
        "shown to the board and kept for years, so it must never identify a child",
        column=column,
        rows_affected=count,
        example_rows=rows[:EXAMPLE_ROWS],
        fix=f"Rewrite {column} on those rows without the child's details: describe the "
        "case by team and measure, never by a child's identifier, birth date or address.",
    )


def strip_invisible(values: pd.Series) -> tuple[pd.Series, int]:
    """``values`` with invisible format characters removed, and how many values held one."""
    text = values.fillna("").astype("str")
    hit = text.str.contains(_INVISIBLE)
    if not hit.any():
        return values, 0
    out = values.copy()
    out[hit] = text[hit].str.replace(_INVISIBLE, "", regex=True)
    return out, int(hit.sum())
