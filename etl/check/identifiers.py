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


class IdentifierScan:
    """Real-world identifiers found chunk by chunk; the file is refused at its end, so the
    count and rows are the same however it is chunked. Each value found is blanked at once,
    so no copy of it is staged."""

    def __init__(self, id_columns: list[str], text_columns: list[str]) -> None:
        self._ids, self._texts = id_columns, text_columns
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

    def refusal(self) -> FileRejected | None:
        """The first identifier found, as a refusal naming the column and the pattern."""
        if not self._found:
            return None
        (column, kind), (count, rows) = next(iter(self._found.items()))
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


def strip_invisible(values: pd.Series) -> tuple[pd.Series, int]:
    """``values`` with invisible format characters removed, and how many values held one."""
    text = values.fillna("").astype("str")
    hit = text.str.contains(_INVISIBLE)
    if not hit.any():
        return values, 0
    out = values.copy()
    out[hit] = text[hit].str.replace(_INVISIBLE, "", regex=True)
    return out, int(hit.sum())
