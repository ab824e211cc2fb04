"""What the council is doing about each measure: commentary and actions for a month.

Written once (the ``actions`` return, or on an area page) and read here by everything that
shows a measure: the area page, board mode, the packs and ``python -m metrics show``. Two
answers: ``month_actions`` (the month's entries, open actions from earlier months carried
forward until a row marks them done or dropped, each with how long it has been open and
whether it is past its due date) and ``action_words`` (one entry in a sentence). The words
are people's, so every caller draws them as plain text (``ui.layout.plain``, HTML escaped
in the packs, ``inert_text`` in exports).
"""

from __future__ import annotations

import calendar
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from etl.sources.actions import kpi_names
from metrics import snapshot
from metrics.declarations import declarations
from metrics.formatting import inert_text, is_missing, uk_date, uk_month

OPEN, DONE, DROPPED = "OPEN", "DONE", "DROPPED"
STATUS_WORDS = {OPEN: "Open", DONE: "Done", DROPPED: "Dropped"}
WHOLE_COUNCIL = ""
COLUMNS = [
    "kpi", "kpi_title", "team", "commentary", "action", "owner", "due_date", "status",
    "written", "carried", "open_since", "months_open", "overdue",
]  # fmt: skip


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _months_between(first: date, last: date) -> int:
    """Months from ``first`` to ``last`` counting both: January to March is 3."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


#: Control characters (a terminal's escape codes, line breaks) drawn as spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _text(value: object) -> str:
    return "" if is_missing(value) else _CONTROL.sub(" ", str(value)).strip()


def _rows(db: Path | str, month: date) -> pd.DataFrame:
    """Every stored entry up to ``month``, with measures named by their ids."""
    frame = snapshot.read(
        db,
        "SELECT month, kpi, team, commentary, action, owner, due_date, action_status "
        "FROM actions WHERE month <= ? ORDER BY month",
        [month],
    )
    if frame.empty:
        return frame
    names = kpi_names()
    frame["kpi"] = frame["kpi"].map(lambda k: names.get(_text(k).lower(), _text(k)))
    for column in ("team", "commentary", "action", "owner", "action_status"):
        frame[column] = frame[column].map(_text)
    frame["action_status"] = [
        s or (OPEN if a else "")
        for s, a in zip(frame["action_status"], frame["action"], strict=True)
    ]
    return frame


def month_actions(db: Path | str, month: date, today: date | None = None) -> pd.DataFrame:
    """The month's commentary and actions, one row per measure and team (blank team: the whole
    council), with ``COLUMNS``.

    A measure with no entry this month whose last entry holds an open action shows that
    action ``carried`` forward (without last month's commentary). ``open_since`` is the first
    month of the run of months the same action (same words) has been written or carried
    for; ``overdue`` means open and due before the end of the month (or before ``today``,
    for a month not yet over).
    """
    rows = _rows(db, month)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    as_at = min(_month_end(month), today or date.today())
    titles = {k.id: k.title for k in declarations().kpis.values()}
    out = []
    for (kpi, team), entries in rows.groupby(["kpi", "team"], sort=False):
        last = entries.iloc[-1]
        written = last["month"]
        if written != month and last["action_status"] != OPEN:
            continue  # nothing this month and nothing open to carry
        same = entries["action"].str.lower() == last["action"].lower()
        since = written
        for m, is_same in zip(entries["month"][::-1], same[::-1], strict=True):
            if not is_same:
                break
            since = m
        due = None if is_missing(last["due_date"]) else pd.Timestamp(last["due_date"]).date()
        status = last["action_status"]
        out.append(
            {
                "kpi": kpi,
                "kpi_title": titles.get(kpi, kpi),
                "team": team,
                "commentary": last["commentary"] if written == month else "",
                "action": last["action"],
                "owner": last["owner"],
                "due_date": due,
                "status": status,
                "written": written,
                "carried": written != month,
                "open_since": since if last["action"] else None,
                "months_open": _months_between(since, month) if last["action"] else 0,
                "overdue": status == OPEN and due is not None and due < as_at,
            }
        )
    order = {k: i for i, k in enumerate(titles)}
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["_order"] = frame["kpi"].map(order)
    return frame.sort_values(["_order", "team"]).drop(columns="_order").reset_index(drop=True)


def open_actions(db: Path | str, month: date, today: date | None = None) -> pd.DataFrame:
    """The actions still open at ``month`` (written this month or carried), overdue first."""
    frame = month_actions(db, month, today)
    frame = frame[(frame["status"] == OPEN) & (frame["action"] != "")]
    return frame.sort_values("overdue", ascending=False, kind="stable").reset_index(drop=True)


#: The text fields of an entry as an editor shows them.
ENTRY_TEXT = ("commentary", "action", "owner", "action_status")


def stored_entry(db: Path | str, month: date, kpi: str, team: str) -> tuple[dict, int | None]:
    """What an editor starts from: the month's stored entry for a measure and team, as
    written (status as given), and the load that wrote it (None: no entry yet)."""
    names = [name for name, kpi_id in kpi_names().items() if kpi_id == kpi]
    frame = snapshot.read(
        db,
        "SELECT commentary, action, owner, due_date, action_status, load_id FROM actions "
        "WHERE month = ? AND lower(trim(kpi)) IN (SELECT UNNEST(?::VARCHAR[])) "
        "AND coalesce(team, '') = ? ORDER BY load_id DESC LIMIT 1",
        [month, tuple(names), team],
    )
    if frame.empty:
        return {**dict.fromkeys(ENTRY_TEXT, ""), "due_date": None}, None
    row = frame.iloc[0]
    due = None if is_missing(row["due_date"]) else pd.Timestamp(row["due_date"]).date()
    entry = {c: "" if is_missing(row[c]) else str(row[c]) for c in ENTRY_TEXT}
    return {**entry, "due_date": due}, int(row["load_id"])


def for_measure(frame: pd.DataFrame, kpi: str, team: str = WHOLE_COUNCIL) -> dict | None:
    """One measure's (and team's) row of ``month_actions``, or None."""
    hit = frame[(frame["kpi"] == kpi) & (frame["team"] == team)]
    return None if hit.empty else hit.iloc[0].to_dict()


def action_words(entry: dict) -> str:
    """One action in a sentence: what, who owns it, when due, how long open, past due.

    E.g. "Book a second chair. Owner: Head of Safeguarding; due 30 April 2022; open since
    February 2022 (2 months); past due."
    """
    if not entry.get("action"):
        return ""
    parts = [f"Owner: {entry['owner'] or 'not named'}"]
    if entry.get("due_date"):
        parts.append(f"due {uk_date(entry['due_date'])}")
    status = entry.get("status") or OPEN
    if status == OPEN and entry.get("open_since"):
        n = entry["months_open"]
        parts.append(f"open since {uk_month(entry['open_since'])} ({n} month{'s' * (n != 1)})")
    elif status != OPEN:
        parts.append(STATUS_WORDS[status].lower())
    if entry.get("overdue"):
        parts.append("past due")
    if entry.get("carried"):
        parts.append(f"carried from {uk_month(entry['written'])}")
    return f"{entry['action'].rstrip('.')}. {'; '.join(parts)}."


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``month_actions`` with headings and dates as the papers show them."""
    return pd.DataFrame(
        {
            "Measure": frame["kpi_title"],
            "KPI id": frame["kpi"],
            "Team": [t or "Whole council" for t in frame["team"]],
            "Commentary": frame["commentary"],
            "Action": frame["action"],
            "Owner": frame["owner"],
            "Due": [uk_date(d) if d else "" for d in frame["due_date"]],
            "Status": [STATUS_WORDS.get(s, "") for s in frame["status"]],
            "Open since": [uk_month(m) if m else "" for m in frame["open_since"]],
            "Past due": ["Yes" if o else "No" for o in frame["overdue"]],
            "Carried from": [
                uk_month(w) if c else ""
                for w, c in zip(frame["written"], frame["carried"], strict=True)
            ],
        }
    )


def export_csv(frame: pd.DataFrame) -> bytes:
    """The month's commentary and actions as CSV, no cell able to run as a formula."""
    return inert_text(export_frame(frame)).to_csv(index=False).encode("utf-8-sig")


def export_xlsx(frame: pd.DataFrame, month: date) -> bytes:
    """The same as an Excel workbook (one sheet named after the month), formula-guarded."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        inert_text(export_frame(frame)).to_excel(writer, sheet_name=f"{month:%b %Y}", index=False)
    return buffer.getvalue()


def measure_lines(db: Path | str, month: date, kpi_ids: list[str]) -> list[str]:
    """A pack's lines for some measures: for each entry (the council's, then each team's)
    its commentary and its action in words, e.g. "Conferences held within 15 working days:
    Three were late. Action: Book a second chair. Owner: Head of Safeguarding; due …"."""
    frame = month_actions(db, month)
    lines = []
    for kpi in kpi_ids:
        for entry in frame[frame["kpi"] == kpi].to_dict("records"):
            who = entry["kpi_title"] + (f" ({entry['team']})" if entry["team"] else "")
            words = [entry["commentary"]] if entry["commentary"] else []
            if entry["action"]:
                words.append(f"Action: {action_words(entry)}")
            lines.append(f"{who}: {' '.join(words)}")
    return lines


#: The open-actions table's headings (a pack's table, and the board's list).
TABLE_HEADER = ["Measure", "Team", "Action", "Owner", "Due", "Open since", "Past due"]


def actions_table(db: Path | str, month: date) -> list[list[str]]:
    """Every action open at ``month`` as a table (header first), past due first."""
    rows = [TABLE_HEADER]
    for e in open_actions(db, month).to_dict("records"):
        rows.append(
            [
                e["kpi_title"],
                e["team"] or "Whole council",
                e["action"],
                e["owner"],
                uk_date(e["due_date"]) if e["due_date"] else "No date",
                f"{uk_month(e['open_since'])} ({e['months_open']} month"
                f"{'s' * (e['months_open'] != 1)})",
                "Past due" if e["overdue"] else "No",
            ]
        )
    return rows
