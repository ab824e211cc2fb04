"""Refuse personal data: returns must carry pseudonymous identifiers only.

A column header that looks like a name, date of birth, address, postcode, NHS number or
unique pupil number (UPN) makes the whole file unloadable. Only the header is ever quoted
back — never a value — because the point is that such values must not be copied anywhere.
"""

from __future__ import annotations

import re

from etl.returns import fold_header

#: (folded-header pattern, what it looks like). Folded headers are lower case with
#: punctuation and spaces removed, e.g. "Child's First Name" → "childsfirstname".
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(dob|dateofbirth|birthdate|dateofbirh|birthday)"), "a date of birth"),
    (re.compile(r"(postcode|postalcode|zipcode)"), "a postcode"),
    (
        re.compile(r"(address|addr(line)?\d|addrline|street|houseno|housenumber|^town$|^city$)"),
        "an address",
    ),
    (re.compile(r"nhs"), "an NHS number"),
    (
        re.compile(r"(^upn$|upn$|^upn|uniquepupil|pupilnumber|pupilno|pupilref)"),
        "a unique pupil number",
    ),
    (
        re.compile(r"(forename|surname|firstname|lastname|familyname|givenname|middlename)"),
        "a name",
    ),
    (
        re.compile(
            r"(^|child|person|client|full|young|mother|father|carer|parent|worker|staff)s?name$"
        ),
        "a name",
    ),
    (
        re.compile(
            r"^name$|^knownas$|^nameof(the)?(child|person|client|youngperson|pupil|carer|parent|mother|father|worker|staff)|^(preferred|known|alias|nick|maiden|birth)s?(as)?name"
        ),
        "a name",
    ),
]

#: Headers containing "name" that are not about a person.
_NOT_PERSONAL = re.compile(r"(team|la|region|area|service|file|indicator|organisation)name$")


def personal_data_reason(header: str) -> str | None:
    """What personal data ``header`` looks like, or None if it looks harmless."""
    folded = fold_header(header)
    if not folded or _NOT_PERSONAL.search(folded):
        return None
    for pattern, what in _PATTERNS:
        if pattern.search(folded):
            return what
    return None
