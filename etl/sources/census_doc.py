"""The census part of ``docs/returns.md``, written from ``etl/sources/cin_census.yaml`` and
``csww.yaml`` (as the rest is from ``etl/spec``), so the contract says what the loader does."""

from __future__ import annotations

from etl.sources.census import declaration

INTRO = """\
## The DfE census files: CIN census and workforce census (XML)

The children in need census and the children's social work workforce census load **as
exported** (the XML the council sends the DfE, every layout from 2017 to 2026): through
`python -m etl load`, the Load returns page or the drop folder. The file is recognised from
its header (`<Collection>CIN</Collection>` or `CSWW`); its `LEA` must be the council's
`la_code` (`config/council.yaml`), else it is refused as another council's.

**Safe reading.** A census never carries a document type declaration (DTD), so a file with
one — or with no element in its first 64 KiB — is refused unread: DTDs are how external
entities (reading other files or URLs) and entity-expansion bombs are carried. The parser
(lxml) is also set never to resolve entities or use the network, with libxml2's limits on
depth and text size on. The size limit is `CSC_MAX_FILE_MB`, as for every file. The file is
read one record at a time (each `<Child>` or `<CSWWWorker>` let go once read), so a census of
any size is held in bounded memory. Malformed XML (a file cut short, say) is refused naming
its line and column, never quoting it.

**Personal data.** Only the declared elements are read. UPNs, dates of birth, sex, ethnicity,
disabilities, Social Work England numbers and the rest are read past at the door: never
staged, stored, logged or printed. The report names the elements the file held. A census is
never kept, loaded or refused: only its report. A worker's Social Work England number becomes
a keyed pseudonym (the same worker keeps one ID); a child's `LAchildID` is the council's own
pseudonymous ID, checked as every child ID is (a UPN or NHS number refuses the file).

**No team.** The censuses hold no team: their rows are filed under the team "Whole council",
and the report says so.

**One bad record is set aside, not the whole file refused.** A census is a whole year for the
whole council, and one child's wrong date is the kind of error the DfE's own validator reports
record by record. Refusing the census would leave the board without any of the year's figures
while one record is corrected; instead, a record with an impossible date (not a real date,
after the census's reference date, or out of order as the DfE's validation rules say) is set
aside — none of it is counted — and the report names the child (by its own ID) or worker (by
pseudonym), the element and the DfE validation rule where there is one. Anything that makes
the file as a whole untrustworthy refuses it and changes nothing: malformed or unsafe XML,
another council's LEA, a header whose Year or ReferenceDate is missing, records of the other
collection (a workforce census inside a CIN one), elements of another year's layout, or
values a return cannot hold.

**Months.** A CIN census fills its census year month by month, from April to the last month
its `ReferenceDate` covers to its end: a whole-year file (31 March) twelve months, an in-year
extract the months up to its date. Each row falls in months as the return's rule says (the
same rules as the Annex A lists). A month already loaded from a monthly return or an Annex A
workbook is replaced only when the analyst says so (`--replace`, or the tick on the Load
returns page); the refusal names both files. A workforce census fills the caseloads return of
the month of its reference date (September).
"""


def _cin() -> list[str]:
    spec = declaration("cin_census")
    lines = [
        "",
        f"### {spec['title']}",
        "",
        f"Years {spec['first_year']}–{spec['last_year']} (header `Year`; 2022 = April 2021 to "
        "March 2022). Each `<CINdetails>` episode gives its referral, each `Assessments`, "
        "`Section47` and `ChildProtectionPlans` block in it (and each review date in a plan's "
        "`Reviews`) a row of the return named.",
        "",
        "| return | one row per | column ← element |",
        "|---|---|---|",
    ]
    for name, item in spec["returns"].items():
        columns = [f"`{c}` ← `{e}`" for c, e in item["columns"].items()]
        if "history" in item:
            history = item["history"]
            columns.append(
                f"`{history['column']}` ← earlier `{history['of']}` of the same child in the "
                f"file, on or after the same day {history['months']} months before"
            )
        if "sequence" in item:
            order = item["sequence"]
            columns.append(
                f"`{order['previous']}`, `{order['number']}` ← the one before it and its "
                f"number, in `{order['of']}` order among rows of the same other columns"
            )
        if "months" in item:
            months = item["months"]
            since = (
                ""
                if months["open_from"] == months["event"]
                else f", and each month before it from that of its `{months['open_from']}` "
                "while still open at month end"
            )
            columns.append(f"in the month of its `{months['event']}`{since}")
        each = f"`{item['each']}`"
        if "within" in item:
            each = f"each element of a {each} in a `{item['within']}`"
        lines.append(f"| `{name}` | {each} | {'; '.join(columns)} |")
    lines += [
        f"| (every row) | | `child_id` ← `{spec['child_id']}`; `team` = {spec['team']} |",
        "",
        "Dates that must agree (a block's own date first, else its episode's); every date must "
        "also be a real date on or before `ReferenceDate`:",
        "",
        "| element | not before | DfE validation rule |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{r['element']}` | `{r['not_before']}` | {r.get('rule', '—')} |" for r in spec["dates"]
    ]
    lines += ["", "Layouts by year (elements that disagree with the `Year` refuse the file):", ""]
    for name, rule in spec["layouts"].items():
        years = f"from {rule['from']}" if "from" in rule else f"until {rule['until']}"
        lines.append(f"- `{name}`: {years} ({rule['note']}).")
    lines += [f"- `{name}`: read past — {note}." for name, note in spec["left_aside"].items()]
    lines += ["", "Read past, never kept: " + _personal(spec) + "."]
    return lines


def _csww() -> list[str]:
    spec = declaration("csww")
    columns = spec["columns"]
    roles = ", ".join(f"{code} → `{role}`" for code, role in spec["roles"].items())
    asye = spec["asye"]
    return [
        "",
        f"### {spec['title']}",
        "",
        f"One row of the `{spec['return']}` return per `<{spec['record']}>` holding cases at "
        f"the reference date (`{columns['caseload']}` given, no `{spec['left_by']}` on or "
        "before it):",
        "",
        f"- `worker_id` ← keyed pseudonym of `{spec['worker_id']}`; `team` = {spec['team']}",
        f"- `fte` ← the first of {', '.join(f'`{e}`' for e in columns['fte'])} above 0; "
        f"`agency` ← `{columns['agency']}` (1 = Y); `caseload` ← `{columns['caseload']}`",
        f"- `role` ← `OrgRole`: {roles}; none given → `{spec['role_unknown']}`. A `QSW` whose "
        f"`{asye['element']}` is {asye['code']} (newly qualified) and whose "
        f"`{asye['since']}` is within the {asye['months']} months before the reference date "
        f"→ `{asye['role']}`.",
        "- Set aside (named by pseudonym): a date that is not real or is after the reference "
        f"date ({', '.join(f'`{d}`' for d in spec['dates'])}), no FTE above 0, a caseload the "
        "return cannot hold, a Social Work England number missing or given twice.",
        "",
        "Read past, never kept: " + _personal(spec) + ".",
    ]


def _personal(spec: dict) -> str:
    return ", ".join(f"`{name}` ({what})" for name, what in spec["personal"].items())


def render() -> str:
    """The census section of the returns contract, as Markdown."""
    return INTRO + "\n".join([*_cin(), *_csww()]) + "\n"
