"""The SSD section of ``docs/returns.md``, written from ``ssd.yaml``."""

from __future__ import annotations

from etl.returns import get_return
from etl.sources.ssd.tables import declaration

INTRO = """\
## The Standard Safeguarding Dataset (SSD), loaded as extracted

Data to Insight's SSD tables (`ssd_involvements`, `ssd_professionals`, `ssd_cp_visits`…), one
CSV per table named after it, sent **together**: a folder (`python -m etl load ssd_extract/`),
several files, one zip, on the Load returns page or in the drop folder; or read straight
from the council's Postgres database (`python -m etl load-ssd postgresql://…`). How to
export, schedule and check it: [docs/ssd.md](ssd.md).

- **Which months**: whole months only, the last {months} up to the last whole month before
  the extract's date (given with `--as-at`, else a date in its file names, else its latest
  recorded event), none before its
  first event. Months already filled from other files follow the usual replace rules.
- **Only the columns below are parsed**; every other column is skipped by the CSV reader
  itself. Worker IDs and personal advisers' names become keyed pseudonyms as they are read.
  An extract whose tables have any of the personal columns named below is never kept, only
  its report, whether it loads or not.
- **Case-holding roles**: {roles} (compared without regard to case).

| return | filled from | what the SSD cannot give |
|---|---|---|
"""


def render() -> str:
    declared = declaration()
    out = INTRO.format(
        months=declared.months,
        roles=", ".join(f"`{r}`" for r in sorted(declared.case_holding_roles)),
    )
    for name, fill in declared.fills.items():
        how = " ".join(fill["how"].split())
        cannot = " ".join(fill["cannot"].split()) or "—"
        out += f"| {get_return(name).title} (`{name}`) | {how} | {cannot} |\n"
    out += "\n| table | columns read (other builds' names) | personal columns, never read |\n"
    out += "|---|---|---|\n"
    for name, table in declared.tables.items():
        if table.unread:
            continue
        read = ", ".join(
            f"`{names[0]}`"
            + (f" (`{'`, `'.join(names[1:])}`)" if names[1:] else "")
            + (" — may be missing" if ours in table.optional else "")
            for ours, names in table.columns.items()
        )
        personal = ", ".join(f"`{c}` ({what})" for c, what in table.personal.items())
        out += f"| `{name}` | {read or 'none (not used)'} | {personal or '—'} |\n"
    others = [f"`{n}`" for n, t in declared.tables.items() if t.unread]
    out += (
        f"\nRecognised and never parsed (an extract with any is never kept): {', '.join(others)}.\n"
    )
    return out
