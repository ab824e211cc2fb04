"""The SSDA903 section of ``docs/returns.md``, written from ``ssda903_tables.yaml``."""

from __future__ import annotations

from etl.sources.ssda903 import Table, declaration, xml_layout

INTRO = """\
## The SSDA903 tables (children looked after), loaded as exported

The DfE's children looked after return, as the council's system exports it for the DfE or
for Data to Insight's validator: one CSV per table under the DfE's short headings (`CHILD`,
`DECOM`, `RNE`…). Send a year's tables **together** (several files at once on the command
line, `python -m etl load a.csv b.csv …`, on the Load returns page, or dropped in the folder
together): the header's dates of birth check the other tables' dates and the episodes give
each review its period of care. A table is recognised by its headings, whatever its name.

- **Which year**: the year the collection ends, in a file name (`SSDA903_2020_episodes.csv`
  or `…2019-20…` is April 2019 – March 2020), or the extract's date given with `--as-at` (or
  on the upload form) for an in-year extract. A set fills every month from April of its
  year to the last whole month it covers (March for a whole year); the care leavers (OC3)
  are the position at the end of that last month. Months already filled from monthly
  returns follow the usual replace rules (the preview asks first).
- **No team**: the tables carry none, so every figure is for the whole council, under the
  team "{team}".
- **Personal data at the door**: dates of birth are used only for the DfE's date checks
  (rules 302 and 586) and dropped; UPNs, postcodes (`HOME_POST`, `PL_POST`) and the mother's
  child's date of birth are dropped unread; social worker IDs (`SW_ID`) become keyed
  pseudonyms. None of it is staged, stored or kept: the files themselves are never kept,
  only the report.
- **Placements**: an episode begins a new placement when its reason (`RNE`) is S (started to
  be looked after), P (change of placement and carer) or T (change of legal status and
  placement and carer). L (a change of legal status only), U and B (a change with the same
  carer) continue the same placement. The child's first episode in the 12 months counts as
  the placement they were in when the 12 months began.
- **Looked-after reviews** (the Care Planning, Placement and Case Review (England)
  Regulations 2010, regulation 33): the first within **20 working days** of the child
  becoming looked after (bank holidays are not working days), the second within **3 months**
  of the first, each later one within **6 months** of the one before. A review held on its
  due day is in time; the day after is late. The period of care is the latest episode with
  reason S on or before the review.
- **Changes of social worker** come from the social worker episodes table (collected from
  2023-24): the allocations return, plan CLA.
- **The XML layout** (one file, `SSDA903_2022.xml`; the layout Data to Insight's validator
  reads): one `{record}` element per child, its `HEADER` holding the child's own values and,
  nested in it, its reviews (`AREVIEW`), missing episodes (`AMISSING`) and other rows, and one
  `EPISODE` per episode; elements are named as the CSV headings but {renamed}. The XML is read
  safely and streamed (no DTD or entities, no network, one child at a time), mapped by the
  same declaration (the `xml` column below), checked and set aside exactly as the CSVs, a
  set-aside record named by its child. The year comes from `--as-at`, else the header's
  `ReferenceDate` when the export has the DfE's header (its `LEA` must be the council's),
  else the file name. Only the columns a table's checks and return use are read into it.

### A bad record is set aside, not the whole set refused

The validator's own test tables, and many a council's in-year extract, carry errors: dates
that cannot be, codes out of the DfE's list. Refusing a year's return for one child would
leave every figure of every month blank until the whole extract is clean, which is the
opposite of what in-year validation is for. So a record with an impossible date or a code
out of the list is **set aside**: it is in no figure, and the report names it by table, row
(the row in that table's file), column and DfE rule number. For the episodes, reviews and
social worker episodes, all of that child's rows in the table are set aside, because those
figures are worked out over the child's whole history (a placement count missing one episode
would be wrong, not just short). The set is **refused** as a whole — nothing stored — when
it cannot be read as a set: its year unknown, a table sent twice, a table without the DfE's
columns, a reviews table without the episodes, no table that fills a figure, or every row of
a table set aside (it would show "none" where there were some).

"""
HEADINGS = (
    "table", "recognised by", "fills", "columns taken", "dates checked (DfE rule)",
    "codes checked (DfE rule)", "personal data", "xml",
)  # fmt: skip


def _row(table: Table) -> str:
    def rule(r: str) -> str:
        return f" ({r})" if r else ""

    cells = [
        table.title,
        ", ".join(f"`{s}`" for s in table.signature),
        f"`{table.gives}`" if table.gives else "not used",
        ", ".join(f"`{k}` → `{v}`" for k, v in table.columns.items()) or "—",
        ", ".join(f"`{c}`{rule(r)}" for c, r in table.dates.items()) or "—",
        ", ".join(f"`{c}`{rule(r)}" for c, (r, _) in table.codes.items()) or "—",
        ", ".join(f"`{c}`" for c in table.personal) or "—",
        f"`{table.xml}`" if table.xml else "not in the XML",
    ]
    return "| " + " | ".join(cells) + " |"


def render() -> str:
    """The section as Markdown."""
    team, tables = declaration()
    head = "| " + " | ".join(HEADINGS) + " |\n" + "|---" * len(HEADINGS) + "|\n"
    record, renamed = xml_layout()
    names = " and ".join(f"`{k}` (for `{v}`)" for k, v in renamed.items())
    intro = INTRO.format(team=team, record=f"`{record}`", renamed=names)
    return intro + head + "\n".join(_row(t) for t in tables.values()) + "\n"
