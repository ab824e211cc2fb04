"""The DfE's children's services statistical neighbours, read from the table it publishes.

A council's ten statistical neighbours are the councils most like it on the DfE's model;
LAIT and the DfE's dashboards compare a council with their figures. Typing ten LA codes into
``config/council.yaml`` by hand invites slips, and the DfE re-models the groups now and then
(April 2021 after the Northamptonshire reorganisation, 2025 after Cumbria's and others), so
``python -m etl import-neighbours FILE`` (and the Council settings page) reads the published
table and sets the council's ten from its ``la_code``.

Two layouts are published and both are read:

* the April 2021 table: ``LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, SN2, SNP, …``
  (each neighbour's closeness in the column after it, every one headed ``SNP``);
* the 2025 model, wide: ``old_la_code, la_name, region_ind, region_name, SN_1, SN_1P, …``.

Councils are named by the DfE's three-digit LA number (``old_la_code`` in its statistics
files), which outlives ONS code changes. A neighbour that has since been abolished (Cumbria,
Northamptonshire) is kept as the table names it: the comparison then says, year by year,
which neighbour has no figure, rather than quietly averaging fewer.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

#: Header of the column naming each council's DfE LA number, in either layout (lower case).
CODE_HEADERS = ("la num", "la number", "old_la_code")
NAME_HEADERS = ("la name", "la_name")
#: ``SN1`` … ``SN10`` or ``SN_1`` … ``SN_10``: the neighbour in that place.
NEIGHBOUR_HEADER = re.compile(r"^sn_?(\d{1,2})$", re.IGNORECASE)


class NeighbourFileError(ValueError):
    """Not a statistical-neighbour table, or the council is not in it; the message says why."""


@dataclass(frozen=True)
class Neighbour:
    """One statistical neighbour: its DfE LA number, name and closeness as the table gives."""

    la_code: str
    name: str
    closeness: str = ""


@dataclass(frozen=True)
class NeighbourTable:
    """Each council's neighbours, closest first, and every council's name from the table."""

    groups: dict[str, tuple[Neighbour, ...]]
    names: dict[str, str]

    def for_council(self, la_code: str) -> tuple[Neighbour, ...]:
        """The council's neighbours; refuses a code the table does not list."""
        code = la_code.strip()
        if code not in self.groups:
            raise NeighbourFileError(
                f"LA {code} is not in this table (it lists {len(self.groups)} councils). Check "
                "la_code in config/council.yaml: the DfE's three-digit LA number, e.g. 381."
            )
        return self.groups[code]


def _header_index(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [h.strip().lower() for h in header]
    return next((folded.index(n) for n in names if n in folded), None)


def read_table(data: bytes) -> NeighbourTable:
    """Either published layout → every council's neighbours, closest first."""
    text = data.decode("utf-8-sig", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise NeighbourFileError("The file is empty.")
    header = rows[0]
    code_at, name_at = _header_index(header, CODE_HEADERS), _header_index(header, NAME_HEADERS)
    places = {
        int(m[1]): i for i, h in enumerate(header) if (m := NEIGHBOUR_HEADER.match(h.strip()))
    }
    if code_at is None or name_at is None or sorted(places) != list(range(1, len(places) + 1)):
        raise NeighbourFileError(
            "Not the DfE's statistical-neighbour table: it needs an LA number column (LA num or "
            "old_la_code), an LA name column and the neighbours SN1, SN2, … (or SN_1, SN_2, …)."
        )
    names = {r[code_at].strip(): r[name_at].strip() for r in rows[1:] if len(r) > name_at}

    def cell(row: list[str], at: int) -> str:
        return row[at].strip() if at < len(row) else ""

    groups = {}
    for row in rows[1:]:
        code = cell(row, code_at)
        found = [(cell(row, places[p]), cell(row, places[p] + 1)) for p in sorted(places)]
        groups[code] = tuple(
            Neighbour(la_code=n, name=names.get(n, n), closeness=close)
            for n, close in found
            if n and n != code
        )
    return NeighbourTable(groups=groups, names=names)


def as_settings(neighbours: tuple[Neighbour, ...]) -> list[dict[str, str]]:
    """Neighbours as ``statistical_neighbours`` entries in ``config/council.yaml``."""
    return [{"name": n.name, "la_code": n.la_code} for n in neighbours]
