"""Data quality read from ``load_log``: load history, coverage, and what each load warned about.

Analysts need to see at a glance which return-months are loaded, replaced or missing, and
directors need to know when a figure was changed after the board last saw it. All of it is
worked out from the load log the loader writes in the same transaction as the data.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from etl.report import ValidationReport
from etl.returns import all_returns, monthly_returns
from metrics import snapshot
from metrics.config import load_config
from metrics.formatting import uk_date, uk_month

LOADED, REPLACED, MISSING = "✔ Loaded", "↻ Replaced", "✖ Missing"

#: The load that currently provides each return-month (the latest loaded or replaced).
CURRENT_LOADS = """
    SELECT * FROM load_log l
    WHERE status IN ('loaded', 'replaced') AND load_id = (
        SELECT max(load_id) FROM load_log m
        WHERE m.return_type = l.return_type AND m.month IS NOT DISTINCT FROM l.month
          AND m.status IN ('loaded', 'replaced'))
"""


def _title(return_type: object) -> str:
    spec = all_returns().get(str(return_type))
    return spec.title if spec else "(not recognised)"


def load_history(db: Path | str, limit: int = 500) -> pd.DataFrame:
    """Every load attempt, newest first, in words: when, file, return, month, rows, outcome."""
    frame = snapshot.read(
        db,
        "SELECT load_id, loaded_at, file_name, return_type, month, rows, status, reason, "
        "warnings, source, loaded_by FROM load_log ORDER BY load_id DESC LIMIT ?",
        [limit],
    )
    if frame.empty:
        return pd.DataFrame(
            columns=["When", "File", "Return", "Month", "Rows", "Outcome", "Reason", "Warnings"]
        )
    return pd.DataFrame(
        {
            "When": [f"{uk_date(t)} {pd.Timestamp(t):%H:%M}" for t in frame["loaded_at"]],
            "File": frame["file_name"],
            "Return": [_title(r) for r in frame["return_type"]],
            "Month": ["" if pd.isna(m) else uk_month(m) for m in frame["month"]],
            "Rows": frame["rows"].fillna(0).astype("int64"),
            "Outcome": frame["status"].str.capitalize(),
            "Reason": frame["reason"].fillna(""),
            "Warnings": frame["warnings"].fillna(0).astype("int64"),
            "By": frame["source"].fillna("") + " " + frame["loaded_by"].fillna(""),
        }
    )


def _month_range(first: date, last: date) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def coverage(db: Path | str) -> pd.DataFrame:
    """Return × month grid: ``✔ Loaded``, ``↻ Replaced`` (loaded more than once) or ``✖ Missing``.

    Months run from the first to the last month any return was loaded for, so a gap shows.
    """
    current = snapshot.read(db, f"SELECT return_type, month, status FROM ({CURRENT_LOADS})")
    specs = monthly_returns()
    current = current[current["month"].notna()] if len(current) else current
    if current.empty:
        return pd.DataFrame(index=[s.title for s in specs])
    months = _month_range(min(current["month"]), max(current["month"]))
    state = {(r.return_type, r.month): r.status for r in current.itertuples()}
    words = {"loaded": LOADED, "replaced": REPLACED}
    grid = {
        uk_month(m): [words.get(state.get((s.name, m)), MISSING) for s in specs] for m in months
    }
    return pd.DataFrame(grid, index=[s.title for s in specs])


def coverage_by_return(db: Path | str) -> pd.DataFrame:
    """One row per monthly return: months loaded, and the months missing and replaced in
    words. The grid (``coverage``) as a table that fits a laptop's width whatever the months."""
    grid = coverage(db)
    if grid.empty or not len(grid.columns):
        return pd.DataFrame(columns=["Return", "Loaded", "✖ Missing", "↻ Replaced"])

    def months(row: pd.Series, state: str) -> str:
        found = [m for m in grid.columns if row[m] == state]
        return f"{len(found)}: {', '.join(found)}" if found else "none"

    return pd.DataFrame(
        {
            "Return": grid.index,
            "Loaded": [
                f"{(row != MISSING).sum()} of {len(grid.columns)}" for _, row in grid.iterrows()
            ],
            "✖ Missing": [months(row, MISSING) for _, row in grid.iterrows()],
            "↻ Replaced": [months(row, REPLACED) for _, row in grid.iterrows()],
        }
    )


def gaps(db: Path | str) -> list[str]:
    """The missing return-months in words ("Case supervision, May 2021")."""
    grid = coverage(db)
    return [
        f"{ret}, {month}" for month in grid.columns for ret in grid.index[grid[month] == MISSING]
    ]


def current_loads(db: Path | str) -> pd.DataFrame:
    """The load behind each return-month now, with its warnings count (newest month first)."""
    frame = snapshot.read(
        db,
        f"SELECT return_type, month, file_name, rows, warnings, loaded_at, status "
        f"FROM ({CURRENT_LOADS}) ORDER BY month DESC NULLS LAST, return_type",
    )
    if frame.empty:
        return frame
    frame["return"] = [_title(r) for r in frame["return_type"]]
    return frame


def validation_summary(db: Path | str) -> pd.DataFrame:
    """Per return and month (newest first): the checks on the file behind it, the warnings
    that did not block it (e.g. allowed blanks) and how many earlier files were refused."""
    frame = snapshot.read(
        db,
        f"""
        SELECT c.return_type, c.month, c.file_name, c.rows, c.warnings, c.report,
               (SELECT count(*) FROM load_log r
                WHERE r.status = 'rejected' AND r.return_type = c.return_type
                  AND r.month IS NOT DISTINCT FROM c.month) AS refused
        FROM ({CURRENT_LOADS}) c ORDER BY c.month DESC NULLS LAST, c.return_type
        """,
    )
    reports = [
        ValidationReport.from_json(r) if isinstance(r, str) else ValidationReport("")
        for r in frame["report"]
    ]
    return pd.DataFrame(
        {
            "Return": [_title(r) for r in frame["return_type"]],
            "Month": ["reference" if pd.isna(m) else uk_month(m) for m in frame["month"]],
            "File": frame["file_name"],
            "Rows": frame["rows"].fillna(0).astype("int64"),
            "Checks": [r.summary().capitalize() for r in reports],
            "Warnings": frame["warnings"].fillna(0).astype("int64"),
            "Rows with warnings": [sum(w.rows_affected for w in r.warnings) for r in reports],
            "Warned about": ["; ".join(w.message for w in r.warnings) for r in reports],
            "Refused before": frame["refused"].astype("int64"),
        }
    )


def load_report(db: Path | str, return_type: str, month: date | None) -> ValidationReport | None:
    """The validation report of the load behind one return-month."""
    frame = snapshot.read(
        db,
        f"SELECT report FROM ({CURRENT_LOADS}) WHERE return_type = ? "
        "AND month IS NOT DISTINCT FROM ?",
        [return_type, month],
    )
    if frame.empty or pd.isna(frame["report"].iloc[0]):
        return None
    return ValidationReport.from_json(frame["report"].iloc[0])


def last_board_meeting(today: date | None = None) -> date | None:
    """The most recent board meeting on or before today, from the council's settings."""
    today = today or date.today()
    past = [d for d in load_config().board_meeting_dates if d <= today]
    return past[-1] if past else None


def replaced_since_board(db: Path | str, month: date, today: date | None = None) -> list[str]:
    """Titles of the month's returns replaced after the last board meeting.

    The board pack the board took away was drawn before then, so its figures may differ.
    """
    board = last_board_meeting(today)
    if board is None:
        return []
    frame = snapshot.read(
        db,
        f"SELECT return_type FROM ({CURRENT_LOADS}) WHERE status = 'replaced' AND month = ? "
        "AND loaded_at > ? ORDER BY return_type",
        [pd.Timestamp(month).date(), datetime.combine(board, datetime.max.time())],
    )
    return [_title(r) for r in frame["return_type"]] if len(frame) else []
