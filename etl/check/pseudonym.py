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

PREFIX = "P-"
#: Two or more words of letters (apostrophes and hyphens inside words allowed): a person's
#: name, as opposed to an ID such as "W0123" or "SW-17".
_NAME = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*(?:\s+[^\W\d_]+(?:['’-][^\W\d_]+)*)+$")


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
