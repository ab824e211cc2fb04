"""The ``actions`` return (commentary, owners and actions for each measure): the checks that
need the store, and the one way the app writes an entry.

A file is checked like any return (``etl/spec/actions.yaml``: lengths, codes, and a child's
identifier, date of birth or postcode inside the words, found while it is read). What only the
store knows is checked when it is written, inside the load's transaction: every row names a
measure the dashboard declares (its id or its title), a team a loaded return names, and no
child ID the store holds. A row that fails refuses the file, naming the row, never the words.

On an area page a manager writes one entry (a measure, a team, a month) through
``save_entry``: the same checks, then under the store's writer lock a ``load_log`` row (so a
later file for that month says what it replaces), the row itself and an audit row holding the
entry before and after, in one transaction, and the snapshot published. An entry changed by
someone else since the editor was opened is refused rather than overwritten.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from etl.check.identifiers import TEXT_KINDS, identifier_in_text, text_finding
from etl.check.staging import ROW_COLUMN
from etl.check.validate import MAX_TEXT
from etl.report import EXAMPLE_ROWS, Finding, ValidationReport
from etl.returns import all_returns, get_return
from etl.write import audit, store

NAME = "actions"
#: The columns people write words in (each declared ``free_text``).
TEXT_COLUMNS = tuple(c.name for c in get_return(NAME).columns if c.free_text)
STATUSES = get_return(NAME).column("action_status").codes
#: ``load_log.source`` and the file name of an entry written on an area page.
APP_SOURCE = "app"


def kpi_names() -> dict[str, str]:
    """Every way a file may name a measure (its id, title or short title; any case) → its id."""
    from metrics.declarations import declarations  # metrics imports etl.write.store, not this

    names: dict[str, str] = {}
    for kpi in declarations().kpis.values():
        for name in (kpi.title, kpi.short_title, kpi.id):
            names[name.strip().lower()] = kpi.id
    return names


def _union(column: str) -> str:
    """Every value of ``column`` in the returns of figures that have it, as one query."""
    tables = [s.name for s in all_returns().values() if s.figures and column in s.column_names]
    return " UNION ".join(f"SELECT {column} FROM {t}" for t in tables)


def known_teams(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The teams the loaded returns name (read from the returns themselves, so a build that
    works the KPI values out at its end can check its commentary first)."""
    return {r[0] for r in con.execute(_union("team")).fetchall() if r[0]}


def _child_id_sql() -> str:
    """Every child ID the store holds: one query over each return table with a child_id."""
    return _union("child_id")


def _rows(hit: pd.Series, rows: pd.Series) -> list[int]:
    return [int(r) for r in rows[hit].head(EXAMPLE_ROWS)]


def _child_ids_in(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Per text column, which rows hold a word that is a child ID in the store."""
    out = {}
    for column in TEXT_COLUMNS:
        words = frame[column].fillna("").astype("str").str.findall(r"[A-Za-z0-9_\-]{3,}")
        exploded = words.explode().dropna()
        if exploded.empty:
            out[column] = pd.Series(False, index=frame.index)
            continue
        found = con.execute(
            f"SELECT DISTINCT w FROM UNNEST(?::VARCHAR[]) t(w) WHERE w IN ({_child_id_sql()})",
            [sorted(set(exploded))],
        ).fetchall()
        ids = {r[0] for r in found}
        out[column] = words.map(lambda ws, ids=ids: any(w in ids for w in ws))
    return out


def row_problems(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[Finding]:
    """What only the store knows about rows of the actions return: unknown measures and
    teams, and child IDs in the words. ``frame`` has the declared columns and ``_row``."""
    if frame.empty:
        return []
    rows = frame[ROW_COLUMN]
    problems = []
    names = kpi_names()
    unknown = ~frame["kpi"].fillna("").str.strip().str.lower().isin(names)
    if unknown.any():
        problems.append(
            Finding(
                check="unknown_kpi",
                message="kpi names a measure the dashboard does not declare",
                column="kpi",
                rows_affected=int(unknown.sum()),
                example_rows=_rows(unknown, rows),
                fix="Use the KPI id (docs/returns.md, metrics/kpis/) or its title as the "
                "dashboard shows it.",
            )
        )
    teams = known_teams(con)
    team = frame["team"].fillna("").str.strip()
    stranger = (team != "") & ~team.isin(teams)
    if stranger.any():
        problems.append(
            Finding(
                check="unknown_team",
                message="team names a team no loaded return has",
                column="team",
                rows_affected=int(stranger.sum()),
                example_rows=_rows(stranger, rows),
                fix=f"Use a team as the dashboard names it ({', '.join(sorted(teams))}), "
                "or leave team blank for the whole council.",
            )
        )
    for column, hit in _child_ids_in(con, frame).items():
        if hit.any():
            problems.append(text_finding(column, "child_id", int(hit.sum()), _rows(hit, rows)))
    return problems


def refusals(con: duckdb.DuckDBPyConnection, units: list) -> list[Finding]:
    """``row_problems`` for each staged month of the actions return among ``units`` (the
    loader's ``MonthUnit``s); nothing for any other return."""
    problems = []
    for unit in units:
        if unit.spec.name == NAME:
            problems += row_problems(con, pd.read_parquet(unit.staged))
    return problems


@dataclass(frozen=True)
class Entry:
    """One measure's (and team's) commentary and action for a month, as an editor shows it."""

    commentary: str = ""
    action: str = ""
    owner: str = ""
    due_date: date | None = None
    action_status: str = ""

    def as_dict(self) -> dict:
        out = asdict(self)
        out["due_date"] = self.due_date.isoformat() if self.due_date else None
        return out


class EntryRefused(ValueError):
    """An entry that cannot be saved: the message names the field and why, never the words."""


class EntryChanged(RuntimeError):
    """Someone else saved this entry since the editor was opened: nothing was overwritten."""


def _limits() -> dict[str, int]:
    spec = get_return(NAME)
    return {c: spec.column(c).max_length or MAX_TEXT for c in TEXT_COLUMNS}


def _check_entry(con: duckdb.DuckDBPyConnection, month: date, kpi: str, team: str, e: Entry):
    if kpi not in set(kpi_names().values()):
        raise EntryRefused(f"{kpi!r} is not a declared measure.")
    if team and team not in known_teams(con):
        raise EntryRefused("That team is not one the loaded returns name.")
    for column, limit in _limits().items():
        text = getattr(e, column)
        if len(text) > limit:
            raise EntryRefused(f"{column} is {len(text):,} characters; at most {limit:,}.")
        kind = identifier_in_text(text, month)
        if kind:
            raise EntryRefused(
                f"{column} holds {TEXT_KINDS[kind]}: commentary must never identify a child. "
                "Nothing was saved; rewrite it without the child's details."
            )
    frame = pd.DataFrame([{c: getattr(e, c) for c in TEXT_COLUMNS}])
    for column, hit in _child_ids_in(con, frame).items():
        if hit.any():
            raise EntryRefused(
                f"{column} holds {TEXT_KINDS['child_id']}: commentary must never identify a "
                "child. Nothing was saved."
            )
    if e.action_status and e.action_status not in STATUSES:
        raise EntryRefused(f"Status must be one of {', '.join(STATUSES)}.")
    if e.action and not e.owner:
        raise EntryRefused("An action needs an owner (a role, e.g. Head of Safeguarding).")


def _names(kpi: str) -> list[str]:
    """Every way a stored row may name the measure ``kpi`` (a file may use its title)."""
    return [name for name, kpi_id in kpi_names().items() if kpi_id == kpi]


_MATCH = (
    "month = ? AND lower(trim(kpi)) IN (SELECT UNNEST(?::VARCHAR[])) AND coalesce(team, '') = ?"
)


def current_entry(
    con: duckdb.DuckDBPyConnection, month: date, kpi: str, team: str
) -> tuple[Entry, int | None]:
    """The stored entry for a measure, team (blank: whole council) and month, and the load
    that wrote it (None: no entry)."""
    row = con.execute(
        f"SELECT commentary, action, owner, due_date, action_status, load_id FROM {NAME} "
        f"WHERE {_MATCH} ORDER BY load_id DESC LIMIT 1",
        [month, _names(kpi), team],
    ).fetchone()
    if row is None:
        return Entry(), None
    commentary, action, owner, due, status, load_id = row
    return Entry(commentary or "", action or "", owner or "", due, status or ""), load_id


def save_entry(
    db: Path,
    who: str,
    month: date,
    kpi: str,
    team: str,
    entry: Entry,
    seen: int | None,
    timeout: float = 10.0,
) -> Entry:
    """Save one entry written on an area page, audited with its before and after.

    ``seen`` is the load that wrote the entry the editor showed (None: there was none); if
    another load or edit has written it since, someone saved meanwhile and ``EntryChanged``
    is raised with nothing written. Refused entries (``EntryRefused``) write nothing either.
    Returns the entry as stored.
    """
    entry = Entry(
        *(getattr(entry, c).strip() for c in TEXT_COLUMNS),
        entry.due_date,
        entry.action_status or ("OPEN" if entry.action.strip() else ""),
    )
    what = f"{kpi} · {team or 'whole council'} · {month:%Y-%m}"
    with store.open_writer(db, timeout=timeout) as con:
        _check_entry(con, month, kpi, team, entry)
        stored, load_id = current_entry(con, month, kpi, team)
        if load_id != seen:
            raise EntryChanged(
                "This entry was changed by someone else since you opened it. Nothing was "
                "saved: reload the page to see their words, then edit again."
            )
        if stored == entry:
            return stored
        load_id = con.execute("SELECT nextval('load_id_seq')").fetchone()[0]
        report = ValidationReport(
            file_name=f"area page: {what}", return_type=NAME, month=f"{month:%Y-%m}", rows=1
        )
        con.begin()
        try:
            con.execute(
                "INSERT INTO load_log (load_id, file_name, return_type, month, rows, status, "
                "reason, report, source, loaded_by, origin) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, "
                "?, 'return')",
                [
                    load_id,
                    report.file_name,
                    NAME,
                    month,
                    "replaced" if seen is not None else "loaded",
                    "written on the area page",
                    report.to_json(),
                    APP_SOURCE,
                    who,
                ],
            )
            con.execute(f"DELETE FROM {NAME} WHERE {_MATCH}", [month, _names(kpi), team])
            con.execute(
                f"INSERT INTO {NAME} (month, kpi, team, commentary, action, owner, due_date, "
                "action_status, load_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    month,
                    kpi,
                    team or None,
                    entry.commentary or None,
                    entry.action or None,
                    entry.owner or None,
                    entry.due_date,
                    entry.action_status or None,
                    load_id,
                ],
            )
            detail = json.dumps({"before": stored.as_dict(), "after": entry.as_dict()})
            audit.record(con, who, "commentary", what, detail)
            con.commit()
        except Exception:
            con.rollback()
            raise
    return entry
