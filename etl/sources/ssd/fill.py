"""The SSD's tables turned into the rows of the dashboard's own returns, month by month.

One function per return, each following what ``ssd.yaml``'s ``fills`` says of it, and each
giving ``{month: rows}``: the rows, as text in the return's own columns, that the return would
hold for that month had the council sent it. They then go through the return's own checks
and expectation suite like any file (``etl.sources.ssd.check``). Dates are compared as
``datetime64`` arrays: a large council's million involvement and visit rows are worked over
in whole columns, never a row at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from etl.check.validate import TRUE_FLAGS
from etl.returns import get_return
from etl.sources.annex_a import month_end
from etl.sources.ssd.tables import Read, declaration, fold_role
from etl.workdays import bank_holidays

#: What a row is given when the SSD names no team for it (as Annex A's blank teams are).
NO_TEAM = "Team not recorded"
#: The worker a visit is given when no case-holding involvement covers its day.
NOT_ALLOCATED = "Unallocated"  # one word: never taken for a name and pseudonymised
Rows = dict[date, pd.DataFrame]


def is_yes(values: pd.Series) -> pd.Series:
    """A flag column as booleans: Y, YES, TRUE, 1 or T (any case) is yes, anything else no."""
    return values.str.strip().str.upper().isin(TRUE_FLAGS)


def iso(values: pd.Series) -> pd.Series:
    """Dates as ISO text; blank for none."""
    return values.dt.strftime("%Y-%m-%d").fillna("")


@dataclass
class Settings:
    """The council's own settings the mappings use (``config/council.yaml``)."""

    #: plan type: (amount, "working_days" or "days")
    visit_timescales: dict[str, tuple[int, str]]
    #: job title folded to upper case: the caseloads role
    job_titles: dict[str, str] = field(default_factory=dict)


@dataclass
class Extract:
    """The tables of one SSD extract, the months it fills and what the mappings noted."""

    reads: dict[str, Read]
    months: list[date]
    settings: Settings
    #: lines for the load report: what was assumed or left out, with how many rows
    notes: list[str] = field(default_factory=list)

    def has(self, *tables: str) -> bool:
        return all(t in self.reads for t in tables)

    def frame(self, table: str) -> pd.DataFrame:
        return self.reads[table].frame

    def teams(self, values: pd.Series) -> pd.Series:
        """Team IDs as their names (``ssd_department``); a value that is no ID is kept as
        written (some builds give the name); blank is "Team not recorded"."""
        out = values.copy()
        if self.has("ssd_department"):
            dept = self.frame("ssd_department")
            names = dict(zip(dept["team_id"], dept["team_name"], strict=True))
            out = values.map(names).fillna(values)
        return out.mask(out == "", NO_TEAM)

    def person_via(self, read: Read, key: str, table: str, table_key: str) -> pd.Series:
        """A table's person ID, or where its build lacks one (older Mosaic) the person of
        the row its ``key`` names in ``table``."""
        person = read.frame["person"]
        missing = person == ""
        if missing.any() and self.has(table):
            other = self.frame(table).drop_duplicates(table_key)
            lookup = dict(zip(other[table_key], other["person"], strict=True))
            person = person.mask(missing, read.frame[key].map(lookup).fillna(""))
        return person


def _by_month(rows: pd.DataFrame, column: str) -> dict[date, pd.DataFrame]:
    """``rows`` cut by the month of their ``column`` date in one pass (a million visits
    filtered twelve times over took most of the visits' time)."""
    month = rows[column].dt.to_period("M")
    return {period.start_time.date(): part for period, part in rows.groupby(month, sort=False)}


def _open_at(start: np.ndarray, end: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Spans open on ``day``: begun on or before it, not ended before it (a span holds
    through its last day)."""
    return (start <= day) & (np.isnat(end) | (end >= day))


def _end(month: date) -> np.datetime64:
    return np.datetime64(month_end(month), "ns")


def involvements(extract: Extract) -> pd.DataFrame:
    """Case-holding involvements with their child, as dates: those whose role counts
    (``case_holding_roles``) and that have a child and a start date."""
    read = extract.reads["ssd_involvements"]
    frame = read.frame
    person = extract.person_via(read, "referral", "ssd_cin_episodes", "referral")
    holding = frame["role"].map(fold_role).isin(declaration().case_holding_roles)
    out = pd.DataFrame(
        {
            "child_id": person,
            "worker_id": frame["worker"],
            "team": extract.teams(frame["team"]),
            "start": read.dates("start"),
            "end": read.dates("end"),
        }
    )[holding]
    usable = (out["child_id"] != "") & out["start"].notna() & (out["worker_id"] != "")
    if (~usable).any():
        extract.notes.append(
            f"Involvements: {int((~usable).sum()):,} case-holding involvements with no child, "
            "worker or start date left out"
        )
    return out[usable]


def caseloads(extract: Extract) -> Rows:
    """Each worker's children at each month end from their open case-holding involvements."""
    spec = get_return("caseloads")
    role = spec.column("role")
    invo = involvements(extract)
    staff = extract.frame("ssd_professionals").drop_duplicates("worker").set_index("worker")
    titles = staff["job_title"].map(fold_role)
    titled = titles.map(extract.settings.job_titles).fillna(titles.replace(role.code_aliases))
    roles = titled.where(titled.isin(role.codes), "OTHER")
    fte = pd.to_numeric(staff["fte"], errors="coerce")
    unknown_fte = ~((fte > 0) & (fte <= 1))
    if unknown_fte.any():
        extract.notes.append(
            f"Professionals: {int(unknown_fte.sum()):,} workers without an FTE between 0 and 1 "
            "counted as full time"
        )
    fte = fte.mask(unknown_fte, 1.0)
    teams = extract.teams(staff["department"])
    untitled = sorted(set(titles[roles == "OTHER"]) - {""})
    if untitled:
        extract.notes.append(
            "Professionals: job titles counted as OTHER (set them in config/council.yaml "
            f"ssd_job_titles if they are social workers): {', '.join(untitled[:10])}"
        )
    start, end = invo["start"].to_numpy(), invo["end"].to_numpy()
    out: Rows = {}
    for month in extract.months:
        held = invo[_open_at(start, end, _end(month))]
        counts = held.drop_duplicates(["worker_id", "child_id"]).groupby("worker_id").size()
        workers = counts.index
        out[month] = pd.DataFrame(
            {
                "worker_id": workers,
                "team": teams.reindex(workers).fillna(NO_TEAM).to_numpy(),
                "role": roles.reindex(workers).fillna("OTHER").to_numpy(),
                "fte": fte.reindex(workers).fillna(1.0).map("{:g}".format).to_numpy(),
                "agency": "",
                "caseload": counts.astype(str).to_numpy(),
            }
        )
    return out


#: The visits tables, their plan type, how a build without the child's ID finds it, and
#: the table of the plans the visits are owed under.
_VISITS = {
    "ssd_cin_visits": ("CIN", "plan", "ssd_cin_plans", "plan", "ssd_cin_plans"),
    "ssd_cp_visits": ("CP", "plan", "ssd_cp_plans", "plan", "ssd_cp_plans"),
    "ssd_cla_visits": ("CLA", None, None, None, "ssd_cla_episodes"),
}


def _plan_open(extract: Extract, table: str, children: pd.Series, days: pd.Series) -> pd.Series:
    """Whether each child has a plan in ``table`` open on their day (False if no table)."""
    if not extract.has(table):
        return pd.Series(False, index=children.index)
    read = extract.reads[table]
    plans = pd.DataFrame(
        {"child_id": read.frame["person"], "start": read.dates("start"), "end": read.dates("end")}
    )
    asked = pd.DataFrame({"child_id": children, "day": days, "row": children.index})
    both = asked.merge(plans, on="child_id")
    hit = (both["start"] <= both["day"]) & (both["end"].isna() | (both["end"] >= both["day"]))
    return pd.Series(children.index.isin(both.loc[hit, "row"]), index=children.index)


def due_after(visits: pd.Series, amount: int, unit: str) -> pd.Series:
    """The day a visit is due: ``amount`` days, or working days (weekends and England and
    Wales bank holidays skipped), after ``visits``."""
    if unit == "days":
        return visits + pd.Timedelta(days=amount)
    days = visits.to_numpy().astype("datetime64[D]")
    known = ~np.isnat(days)
    due = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    holidays = np.array(bank_holidays(), dtype="datetime64[D]")
    due[known] = np.busday_offset(days[known], amount, roll="forward", holidays=holidays)
    return pd.Series(due.astype("datetime64[ns]"), index=visits.index)


def visits(extract: Extract) -> Rows:
    """Each visit after a child's first, due the plan's timescale after the one before."""
    parts = []
    last_day = pd.Timestamp(month_end(extract.months[-1])) if extract.months else None
    for table, (plan, key, other, other_key, plans) in _VISITS.items():
        if not extract.has(table):
            continue
        read = extract.reads[table]
        person = extract.person_via(read, key, other, other_key) if key else read.frame["person"]
        seen = read.frame["seen"]
        frame = pd.DataFrame(
            {
                "child_id": person,
                "plan_type": plan,
                "visit": read.dates("date"),
                "seen": seen,
                # Seen alone only where seen: a visit not seen says nothing of it.
                "seen_alone": read.frame["seen_alone"].where(is_yes(seen), ""),
            }
        )
        frame = frame[(frame["child_id"] != "") & frame["visit"].notna()]
        frame = frame.sort_values(["child_id", "visit"])
        amount, unit = extract.settings.visit_timescales[plan]
        previous = frame.groupby("child_id")["visit"].shift()
        frame["due"] = due_after(previous, amount, unit)
        parts.append(frame[frame["due"].notna()])
        # After each child's last visit the next is owed; not made if the plan is still open
        # on its due day and the day is past (within the months filled).
        last = frame.groupby("child_id").tail(1)
        owed = due_after(last["visit"], amount, unit)
        missed = (owed <= last_day) & _plan_open(extract, plans, last["child_id"], owed)
        parts.append(last[missed].assign(visit=pd.NaT, seen="N", seen_alone="", due=owed[missed]))
    if not parts:
        return {}
    rows = pd.concat(parts, ignore_index=True)
    rows["day"] = rows["visit"].fillna(rows["due"])
    rows = _allocated_on(extract, rows, "day")
    months = _by_month(rows, "due")
    out: Rows = {}
    for first in extract.months:
        part = months.get(first, rows.iloc[:0])
        out[first] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "worker_id": part["worker_id"],
                "plan_type": part["plan_type"],
                "due_date": iso(part["due"]),
                "visit_date": iso(part["visit"]),
                "seen": part["seen"],
                "seen_alone": part["seen_alone"],
            }
        )
    return out


def _allocated_on(extract: Extract, rows: pd.DataFrame, day: str) -> pd.DataFrame:
    """``rows`` with the worker and team of the case-holding involvement open on ``day``
    (the latest begun); "Unallocated" and "Team not recorded" where none is."""
    if not extract.has("ssd_involvements"):
        return rows.assign(worker_id=NOT_ALLOCATED, team=NO_TEAM)
    invo = involvements(extract).sort_values("start")
    joined = pd.merge_asof(
        rows.reset_index(drop=True).reset_index().sort_values(day),
        invo,
        left_on=day,
        right_on="start",
        by="child_id",
    ).set_index("index")
    gone = joined["end"].notna() & (joined["end"] < joined[day])
    joined.loc[gone | joined["worker_id"].isna(), ["worker_id", "team"]] = [NOT_ALLOCATED, NO_TEAM]
    return joined.sort_index().drop(columns=["start", "end"])


def _outcome_flag(outcome: pd.Series) -> pd.Series:
    """``CP_CONFERENCE_FLAG`` inside the outcome JSON: "Y", "N" or "" when absent."""
    flag = outcome.str.extract(r'"?CP_CONFERENCE_FLAG"?\s*:\s*"?([A-Za-z01])', expand=False)
    return flag.fillna("").str.upper().replace({"1": "Y", "0": "N"})


def icpc(extract: Extract) -> Rows:
    """Section 47 enquiries: each in the month its conference was held, in every month end
    it awaited one, and (conference not needed) in its strategy discussion's month."""
    read = extract.reads["ssd_s47_enquiry"]
    s47 = read.frame
    flag = _outcome_flag(s47["outcome"])
    nfa = is_yes(s47["nfa"])
    not_needed = (flag == "N") | ((flag == "") & nfa)
    extract.notes.append(
        f"Section 47 enquiries: conference needed read from CP_CONFERENCE_FLAG for "
        f"{int((flag != '').sum()):,}, from s47e_s47_nfa for {int((flag == '').sum()):,}"
    )
    held = pd.Series(pd.NaT, index=s47.index, dtype="datetime64[ns]")
    if extract.has("ssd_initial_cp_conference"):
        conf = extract.reads["ssd_initial_cp_conference"]
        own = ~is_yes(conf.frame["transfer_in"])
        dates = conf.dates("date")[own]
        first = dates.groupby(conf.frame.loc[own, "enquiry"]).min()
        held = s47["enquiry"].map(first).astype("datetime64[ns]")
    rows = pd.DataFrame(
        {
            "child_id": s47["person"],
            "team": extract.teams(s47["team"]),
            "strategy": read.dates("start"),
            "held": held.where(~not_needed),
            "not_needed": not_needed,
        }
    )
    rows = rows[(rows["child_id"] != "") & rows["strategy"].notna()]
    strategy, held = rows["strategy"].to_numpy(), rows["held"].to_numpy()
    out: Rows = {}
    for month in extract.months:
        first, end = np.datetime64(month, "ns"), _end(month)
        in_month = (held >= first) & (held <= end)
        awaiting = ~rows["not_needed"].to_numpy() & (strategy <= end)
        awaiting &= np.isnat(held) | (held > end)
        unneeded = rows["not_needed"].to_numpy() & (strategy >= first) & (strategy <= end)
        part = rows[in_month | awaiting | unneeded]
        out[month] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "strategy_date": iso(part["strategy"]),
                "icpc_date": iso(part["held"].where(part["held"] <= pd.Timestamp(end))),
                "icpc_not_required": part["not_needed"].map({True: "Y", False: ""}),
            }
        )
    return out


def assessments(extract: Extract) -> Rows:
    """Assessments authorised in the month, or begun and still open at its end."""
    read = extract.reads["ssd_cin_assessments"]
    rows = pd.DataFrame(
        {
            "child_id": read.frame["person"],
            "team": extract.teams(read.frame["team"]),
            "worker_id": read.frame["worker"],
            "start": read.dates("start"),
            "done": read.dates("authorised"),
        }
    )
    rows = rows[(rows["child_id"] != "") & rows["start"].notna()]
    rows = rows.drop_duplicates(["child_id", "start"], keep="last")
    start, done = rows["start"].to_numpy(), rows["done"].to_numpy()
    out: Rows = {}
    for month in extract.months:
        first, end = np.datetime64(month, "ns"), _end(month)
        keep = ((done >= first) & (done <= end)) | (
            (start <= end) & (np.isnat(done) | (done > end))
        )
        part = rows[keep]
        out[month] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "worker_id": part["worker_id"],
                "assessment_start_date": iso(part["start"]),
                "assessment_authorised_date": iso(part["done"].where(part["done"] <= end)),
            }
        )
    return out


def referrals(extract: Extract) -> Rows:
    """Referrals received in the month, each with the child's referrals in the 12 months
    before it (the DfE's re-referral: within 12 months of a previous referral)."""
    read = extract.reads["ssd_cin_episodes"]
    rows = pd.DataFrame(
        {
            "child_id": read.frame["person"],
            "team": extract.teams(read.frame["team"]),
            "date": read.dates("date"),
        }
    )
    rows = rows[(rows["child_id"] != "") & rows["date"].notna()]
    rows = rows.drop_duplicates(["child_id", "date"]).sort_values(["child_id", "date"])
    rows["earlier"] = _earlier_within_year(rows)
    months = _by_month(rows, "date")
    out: Rows = {}
    for first in extract.months:
        part = months.get(first, rows.iloc[:0])
        out[first] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "referral_date": iso(part["date"]),
                "referrals_last_12_months": part["earlier"].astype(str),
            }
        )
    return out


def _earlier_within_year(rows: pd.DataFrame) -> pd.Series:
    """For rows sorted by child and date: how many of the child's earlier rows fall in the
    12 months before each, as the CIN census counts them (a referral on 1 March 2021 counts
    one on or after 1 March 2020: exactly 12 months before is within them)."""
    codes = pd.factorize(rows["child_id"])[0].astype("int64")
    dates = rows["date"].to_numpy().astype("datetime64[D]").astype("int64")
    since = (rows["date"] - pd.DateOffset(months=12)).to_numpy().astype("datetime64[D]")
    # One sorted key per (child, day): the child's rows are one run of the array.
    span = int(dates.max() - dates.min()) + 800 if len(dates) else 1
    key = codes * span + (dates - dates.min() + 400)
    low = codes * span + (since.astype("int64") - dates.min() + 400)
    first_within = np.searchsorted(key, low, side="left")
    return pd.Series(np.arange(len(key)) - first_within, index=rows.index)


def cp_plans(extract: Extract) -> Rows:
    """Child protection plans started, ended or open in each month, each with how many
    plans the child had before it in the extract."""
    read = extract.reads["ssd_cp_plans"]
    # "begun" and "ended": named apart from the involvements' start and end (the team's).
    rows = pd.DataFrame(
        {"child_id": read.frame["person"], "begun": read.dates("start"), "ended": read.dates("end")}
    )
    rows = rows[(rows["child_id"] != "") & rows["begun"].notna()]
    rows = rows.drop_duplicates(["child_id", "begun"]).sort_values(["child_id", "begun"])
    rows["previous"] = rows.groupby("child_id").cumcount()
    rows = _allocated_on(extract, rows, "begun")
    start, end = rows["begun"].to_numpy(), rows["ended"].to_numpy()
    out: Rows = {}
    for month in extract.months:
        first, last = np.datetime64(month, "ns"), _end(month)
        part = rows[(start <= last) & (np.isnat(end) | (end >= first))]
        out[month] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "plan_start_date": iso(part["begun"]),
                "plan_end_date": iso(part["ended"].where(part["ended"] <= last)),
                "previous_plans": part["previous"].astype(str),
            }
        )
    return out


def allocations(extract: Extract) -> Rows:
    """For each child open at month end, their case-holding involvements current in the
    12 months to it (the DfE's count of social workers in the last 12 months); the plan type
    CLA if a CLA episode is open at month end, else CP if a CP plan is, else CIN.

    Children are numbered once (``pd.factorize``), so "open at month end" and "has a plan
    open" are array lookups, not string searches, twelve times over the involvements."""
    invo = involvements(extract)
    codes, children = pd.factorize(invo["child_id"])
    start, end = invo["start"].to_numpy(), invo["end"].to_numpy()
    plans = []  # CP first, then CLA: a child with both open is looked after
    for table, code in (("ssd_cp_plans", "CP"), ("ssd_cla_episodes", "CLA")):
        if extract.has(table):
            read = extract.reads[table]
            whose = pd.Index(children).get_indexer(read.frame["person"])
            span = read.dates("start").to_numpy(), read.dates("end").to_numpy()
            plans.append((code, whose, *span))
    out: Rows = {}
    for month in extract.months:
        last = _end(month)
        window = np.datetime64(pd.Timestamp(month) - pd.DateOffset(months=11), "ns")
        open_child = np.zeros(len(children), dtype=bool)
        open_child[codes[_open_at(start, end, last)]] = True
        keep = open_child[codes] & (start <= last) & (np.isnat(end) | (end >= window))
        plan_of = np.full(len(children), "CIN", dtype=object)
        for code, whose, begun, ended in plans:
            plan_of[whose[_open_at(begun, ended, last) & (whose >= 0)]] = code
        part = invo[keep]
        first = ~part.duplicated(["child_id", "worker_id", "start"]).to_numpy()
        part = part[first]
        out[month] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "worker_id": part["worker_id"],
                "plan_type": plan_of[codes[keep][first]],
                "allocated_from": iso(part["start"]),
                "allocated_to": iso(part["end"].where(part["end"] <= last)),
            }
        )
    return out


def care_leavers(extract: Extract) -> Rows:
    """The care leavers as the extract holds them, at its last whole month's end."""
    read = extract.reads["ssd_care_leavers"]
    frame = read.frame
    last = extract.months[-1]
    suitable = frame["suitable"].str.upper().str.strip()
    out = pd.DataFrame(
        {
            "child_id": frame["person"],
            "team": extract.teams(frame["team"]),
            "personal_advisor_id": frame["advisor"],
            "as_at_date": month_end(last).isoformat(),
            "in_touch": frame["in_touch"],
            # The SSD writes suitability as text or as the 903's last digit (1 suitable).
            "accommodation_suitability": suitable.str.replace(r"^[A-Z]([12])$", r"\1", regex=True),
            "activity": frame["activity"].str.split(":").str[0].str.strip(),
            "pathway_plan_review_date": iso(read.dates("pathway_review")),
        }
    )
    return {last: out[out["child_id"] != ""].drop_duplicates("child_id", keep="last")}


def _numbered(rows: pd.DataFrame) -> pd.DataFrame:
    """Reviews (``child_id``, ``period``: when what they review began, ``review``: held),
    one a day, each with the review before it in the same ``period`` and its number there.

    Looked-after and child protection reviews alike: the statutory timescale of each runs
    from the one before it, or for the first from the period's start. A review dated before
    its period began belongs to none and is dropped."""
    rows = rows.dropna(subset=["child_id", "period", "review"])
    rows = rows[rows["review"] >= rows["period"]].drop_duplicates(["child_id", "review"])
    rows = rows.sort_values(["child_id", "period", "review"])
    group = rows.groupby(["child_id", "period"])["review"]
    return rows.assign(previous=group.shift(), number=group.cumcount() + 1)


def cla_reviews(extract: Extract) -> Rows:
    """Reviews held (not cancelled), each with its period of care, the review before it
    and its number in the period, in the month it was held."""
    read = extract.reads["ssd_cla_reviews"]
    episodes = extract.reads["ssd_cla_episodes"]
    care = episodes.frame.assign(entered=episodes.dates("entered_care"))
    care = care.assign(entered=care["entered"].fillna(episodes.dates("start")))
    period = care.groupby("cla")["entered"].min()
    person = care.drop_duplicates("cla").set_index("cla")["person"]
    cancelled = is_yes(read.frame["cancelled"])
    rows = pd.DataFrame(
        {
            "child_id": read.frame["cla"].map(person),
            "period": read.frame["cla"].map(period),
            "review": read.dates("date"),
            "participation": read.frame["participation"].str.split(" ").str[0],
        }
    )[~cancelled]
    rows = _numbered(rows)
    months = _by_month(rows, "review")
    out: Rows = {}
    for first in extract.months:
        part = months.get(first, rows.iloc[:0])
        out[first] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": "Whole council (the SSD's reviews carry no team)",
                "period_start": iso(part["period"]),
                "review_date": iso(part["review"]),
                "previous_review_date": iso(part["previous"]),
                "review_number": part["number"].astype(str),
                "participation": part["participation"],
            }
        )
    return out


def cp_reviews(extract: Extract) -> Rows:
    """Child protection review conferences held, each on its plan (the child and the plan's
    start from ``ssd_cp_plans``) with the review before it and its number on the plan, in
    the month held; the system's own due date kept beside it (never what it is judged on)."""
    read = extract.reads["ssd_cp_reviews"]
    plans = extract.reads["ssd_cp_plans"]
    plan = plans.frame.assign(begun=plans.dates("start"))
    plan = plan[plan["person"] != ""].drop_duplicates("plan").set_index("plan")
    rows = pd.DataFrame(
        {
            "child_id": read.frame["plan"].map(plan["person"]),
            "period": read.frame["plan"].map(plan["begun"]),
            "review": read.dates("date"),
            "due": read.dates("due"),
        }
    )
    rows = _allocated_on(extract, _numbered(rows), "review")
    months = _by_month(rows, "review")
    out: Rows = {}
    for first in extract.months:
        part = months.get(first, rows.iloc[:0])
        out[first] = pd.DataFrame(
            {
                "child_id": part["child_id"],
                "team": part["team"],
                "plan_start_date": iso(part["period"]),
                "review_date": iso(part["review"]),
                "due_date": iso(part["due"]),
                "previous_review_date": iso(part["previous"]),
                "review_number": part["number"].astype(str),
            }
        )
    return out


#: Each return the SSD fills and the function that fills it (``ssd.yaml``'s ``fills``).
FILLS: dict[str, Callable[[Extract], Rows]] = {
    "caseloads": caseloads,
    "visits": visits,
    "icpc": icpc,
    "assessments": assessments,
    "referrals": referrals,
    "allocations": allocations,
    "care_leavers": care_leavers,
    "cp_plans": cp_plans,
    "cla_reviews": cla_reviews,
    "cp_reviews": cp_reviews,
}
