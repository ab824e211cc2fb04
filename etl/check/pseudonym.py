"""Keyed pseudonyms for staff names: the same worker keeps one ID, and no name is stored.

Annex A's *Allocated Worker* and *Allocated Personal Advisor* hold staff names, and some
exports put names where an ID belongs. A name is personal data, but caseloads and team
figures need to know which rows share a worker. An HMAC-SHA256 of the folded name, keyed
with a secret that belongs to this deployment, gives a stable ID that cannot be turned back
into the name without the key (a plain hash could be, by hashing a staff list).

The key lives outside the store and the repository: ``$CSC_PSEUDONYM_KEY`` names the file,
else ``$XDG_DATA_HOME/csc-dashboard/pseudonym.key`` (``~/.local/share/…``). It is created on
first use (32 random bytes, readable by its owner only). Losing it means workers loaded
afterwards get new IDs; copying it to another deployment makes their IDs agree.

Whether a column holds staff names is decided for the column, never value by value: a name
written "Olivia Smith-0" or "Amelia Adams W." has no name's shape, and such a column used to
be stored whole. A column holds names when the return declares it so, when its heading means
a person ("Allocated Worker", "Social Worker", "Worker Name"; not "Worker ID"), or when names
are common among its values; then every value in it is replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

from etl.returns import fold_header

PREFIX = "P-"
#: Two or more words of letters (apostrophes and hyphens inside words allowed): a person's
#: name, as opposed to an ID such as "W0123" or "SW-17".
_NAME = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*(?:\s+[^\W\d_]+(?:['’-][^\W\d_]+)*)+$")


#: Folded headings that mean a person (the worker, not their reference)...
_PERSON = re.compile(
    r"(worker|practitioner|advis[eo]r|manager|supervisor|caseholder|professional|staff|^sw$)"
)
#: ...unless they end in a word for a reference ("Worker ID", "Staff Number").
_REFERENCE = re.compile(r"(id|ids|identifier|no|num|number|code|ref|reference|key)$")
#: A word of a name as it is written: a capital then small letters ("Smith"; "Brien" of
#: "O'Brien").
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’]+")
#: The share of a column's different values that read as names for the column to be taken as
#: a column of names. Reference columns have none; a few "Not Allocated" cells stay below it.
NAMES_COMMON = 0.2


def heading_means_a_person(heading: str) -> bool:
    """True for "Allocated Worker", "Social Worker", "Worker Name", "Personal Advisor"; false
    for "Worker ID", "Staff Number" and headings about anything but a person."""
    folded = fold_header(heading)
    return bool(_PERSON.search(folded)) and not _REFERENCE.search(folded)


def _reads_as_a_name(value: str) -> bool:
    """Two or more words written as names are ("Olivia Smith-0", "Amelia Adams W."), whatever
    else the cell holds; an ID such as "W0123", "SW-17" or a pseudonym has none."""
    words = [w for w in _NAME_WORD.findall(value) if w[0].isupper() and w[1:].islower()]
    return len(words) >= 2


def names_common(values: pd.Series) -> tuple[int, int]:
    """(values that read as names, different values), counted over the different values; the
    column holds names when the first is at least ``NAMES_COMMON`` of the second."""
    distinct = {v for v in values.dropna().astype("str").str.strip() if v}
    return sum(_reads_as_a_name(v) for v in distinct), len(distinct)


def holds_names(values: pd.Series) -> bool:
    named, distinct = names_common(values)
    return distinct > 0 and named >= NAMES_COMMON * distinct


def key_path() -> Path:
    """Where this deployment's pseudonym key is kept (outside the store and the repo)."""
    if os.environ.get("CSC_PSEUDONYM_KEY"):
        return Path(os.environ["CSC_PSEUDONYM_KEY"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "csc-dashboard" / "pseudonym.key"


@cache
def _key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two first loads at once agree on one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) < 16:
        raise RuntimeError(f"The pseudonym key {path} is damaged (too short); restore it")
    return key


def _fold(name: str) -> str:
    """One spelling per name: case, accents' forms, non-breaking and repeated spaces."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(text.split())


def pseudonym(name: str) -> str:
    """A stable, keyed ID for a staff name ("Delta Arthur" → "P-3f9a…")."""
    digest = hmac.new(_key(key_path()), _fold(name).encode("utf-8"), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:12]


def looks_like_name(value: str) -> bool:
    """True for two or more words of letters, the shape of a person's name."""
    return bool(_NAME.match(unicodedata.normalize("NFKC", value).strip()))


def pseudonymise(values: pd.Series, every_value: bool) -> tuple[pd.Series, int]:
    """Replace names in ``values`` by their pseudonyms; returns the column and how many.

    ``every_value``: the column is declared to hold staff names, so every non-blank value
    is replaced; otherwise only values shaped like a name are.
    """
    text = values.fillna("").astype("str")
    filled = text.str.strip() != ""
    hit = filled if every_value else filled & text.map(looks_like_name).astype(bool)
    if not hit.any():
        return values, 0
    out = text.copy()
    out[hit] = text[hit].map(pseudonym)
    return out, int(hit.sum())
