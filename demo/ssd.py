"""A synthetic Standard Safeguarding Dataset (SSD) extract for the fictional demo council.

No public synthetic SSD rows exist, so this writes them: one CSV per ``ssd_*`` table, every
column the chosen build has (``ssd_columns.csv``, taken from Data to Insight's column-by-
system matrix: which of Mosaic, SystemC and Eclipse has each column; the Mosaic build is the
older one without ``invo_person_id``, ``cppv_person_id``, ``cinv_person_id`` or
``prof_professional_name``). Every person, worker, name, date of birth, UPN and postcode is
made up here, from seeded random numbers; the names are drawn from short fictional lists
and postcodes are in the ``ZZ99`` area, which does not exist.

``python -m demo.ssd OUT_FOLDER [--children N] [--workers N] [--build systemc|mosaic|eclipse]``.
The same generator, larger, is the benchmark's (``benchmarks/ssd.py``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = Path(__file__).with_name("ssd_columns.csv")
BUILDS = ("systemc", "mosaic", "eclipse")
#: The extract's date: the day after the demo's last month, as a nightly refresh would be.
EXTRACT_DATE = date(2022, 4, 1)
TEAMS = ("Assessment North", "Assessment South", "Safeguarding East", "Safeguarding West",
         "Children in Care", "Leaving Care", "Disabled Children", "Family Support")  # fmt: skip
JOB_TITLES = ("Social Worker", "Senior Social Worker", "ASYE Social Worker",
              "Advanced Practitioner", "Team Manager")  # fmt: skip
FORENAMES = ("Avery", "Briar", "Corin", "Dara", "Ellis", "Fenn", "Gale", "Harlow", "Indra",
             "Jory", "Kestrel", "Linden", "Marlo", "Nell", "Orrin", "Perrin")  # fmt: skip
SURNAMES = ("Ashcombe", "Brackwater", "Coldharbour", "Dunmere", "Eskdale", "Fallowfield",
            "Greystone", "Hartsop", "Ivelet", "Kettlewell", "Lowther", "Mardale")  # fmt: skip
#: A role that holds no case: in the extract, never in a caseload.
OTHER_ROLE = "TM"


@cache
def columns(build: str) -> dict[str, list[str]]:
    """Each table's columns in the build, in the matrix's order."""
    out: dict[str, list[str]] = {}
    with COLUMNS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row[build] == "True":
                out.setdefault(row["table_name"], []).append(row["field_name"])
    return out


@dataclass(frozen=True)
class Size:
    """How big an extract: children, workers, and the span of months it covers."""

    children: int = 600
    workers: int = 40
    months: int = 24


def _dates(rng: np.random.Generator, first: np.datetime64, days: int, n: int) -> np.ndarray:
    return first + rng.integers(0, days, n).astype("timedelta64[D]")


def _text(days: np.ndarray) -> np.ndarray:
    """Dates as the SSD's SQL Server exports write them (``2021-03-04 00:00:00.000``)."""
    out = np.datetime_as_string(days.astype("datetime64[D]")).astype(object)
    out[np.isnat(days)] = ""
    return np.where(out == "", "", out + " 00:00:00.000")


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` made-up full names ("Avery Ashcombe")."""
    return np.char.add(np.char.add(rng.choice(FORENAMES, n), " "), rng.choice(SURNAMES, n))


def tables(
    size: Size = Size(), seed: int = 2022, build: str = "systemc"
) -> dict[str, pd.DataFrame]:
    """The extract's tables, each with every column its build has (blank where the
    dashboard and this generator have nothing to say)."""
    rng = np.random.default_rng(seed)
    end = np.datetime64(EXTRACT_DATE) - np.timedelta64(1, "D")
    first = end - np.timedelta64(size.months * 30, "D")
    n, w = size.children, size.workers
    people = np.array([f"P{i:06d}" for i in range(1, n + 1)], dtype=object)
    workers = np.array([f"W{i:04d}" for i in range(1, w + 1)], dtype=object)
    team_ids = np.array([f"T{i:02d}" for i in range(1, len(TEAMS) + 1)], dtype=object)
    worker_team = rng.integers(0, len(TEAMS), w)
    forename, surname = rng.choice(FORENAMES, n), rng.choice(SURNAMES, n)
    t: dict[str, dict[str, object]] = {}
    t["ssd_department"] = {"dept_team_id": team_ids, "dept_team_name": np.array(TEAMS)}
    t["ssd_professionals"] = {
        "prof_professional_id": workers,
        "prof_staff_id": np.array([f"S{i:05d}" for i in range(w)], dtype=object),
        "prof_professional_name": _names(rng, w),
        "prof_social_worker_registration_no": np.array([f"SW{900000 + i}" for i in range(w)]),
        "prof_professional_job_title": rng.choice(JOB_TITLES, w, p=[0.5, 0.2, 0.15, 0.1, 0.05]),
        "prof_professional_department": team_ids[worker_team],
        "prof_full_time_equivalency": rng.choice(["1.00", "0.80", "0.60"], w, p=[0.8, 0.1, 0.1]),
        "prof_agency_worker_flag": np.full(w, ""),
    }
    t["ssd_person"] = {
        "pers_person_id": people,
        "pers_forename": forename,
        "pers_surname": surname,
        "pers_dob": _text(_dates(rng, np.datetime64("2005-01-01"), 6000, n)),
        "pers_upn": np.array([f"Z{999000000000 + i}" for i in range(n)]),
        "pers_sex": rng.choice(["M", "F"], n),
    }
    t["ssd_address"] = {
        "addr_person_id": people,
        "addr_address_postcode": np.array([f"ZZ99 {i % 9}Z{chr(65 + i % 26)}" for i in range(n)]),
        "addr_address_json": np.array([f'{{"ROAD": "{i} Fictional Row"}}' for i in range(n)]),
    }
    # One referral (CIN episode) per child; a fifth have a second one later.
    referral_day = _dates(rng, first, size.months * 30 - 60, n)
    again = rng.random(n) < 0.2
    second_day = referral_day + rng.integers(60, 500, n).astype("timedelta64[D]")
    ref_person = np.concatenate([people, people[again]])
    ref_day = np.concatenate([referral_day, second_day[again]])
    keep = ref_day <= end
    ref_person, ref_day = ref_person[keep], ref_day[keep]
    refs = len(ref_day)
    ref_ids = np.arange(1, refs + 1)
    ref_team = team_ids[rng.integers(0, 4, refs)]
    t["ssd_cin_episodes"] = {
        "cine_referral_id": ref_ids,
        "cine_person_id": ref_person,
        "cine_referral_date": _text(ref_day),
        "cine_referral_team": ref_team,
        "cine_close_date": np.full(refs, ""),
    }
    # Each referral: one to three case-holding involvements in a row, the last still open
    # for most; and a team manager's involvement, which holds no case.
    spells = rng.integers(1, 4, refs)
    which = np.repeat(np.arange(refs), spells)
    k = len(which)
    step = np.cumsum(np.ones(k, dtype=int)) - np.repeat(np.cumsum(spells) - spells, spells) - 1
    invo_start = ref_day[which] + (step * 120).astype("timedelta64[D]")
    last = step == spells[which] - 1
    invo_end = invo_start + np.timedelta64(119, "D")
    closed = last & (rng.random(k) < 0.3)
    invo_end = np.where(last & ~closed, np.datetime64("NaT"), invo_end)
    early = invo_start + rng.integers(20, 200, k).astype("timedelta64[D]")
    invo_end = np.where(closed, early, invo_end)
    live = invo_start <= end
    which, invo_start, invo_end = which[live], invo_start[live], invo_end[live]
    invo_end = np.where(invo_end > end, np.datetime64("NaT"), invo_end)
    k = len(which)
    invo_worker = workers[rng.integers(0, w, k)]
    role = "ALLOCATED CASE WORKER" if build == "mosaic" else "CW"
    managers = rng.random(k) < 0.1
    t["ssd_involvements"] = {
        "invo_involvements_id": np.arange(1, k + 1),
        "invo_professional_id": invo_worker,
        "invo_professional_role_id": np.where(managers, OTHER_ROLE, role),
        "invo_professional_team": ref_team[which],
        "invo_involvement_start_date": _text(invo_start),
        "invo_involvement_end_date": _text(invo_end),
        "invo_worker_change_reason": np.full(k, "Change of team (synthetic)"),
        "invo_referral_id": ref_ids[which],
        "invo_person_id": ref_person[which],
    }
    # Plans: each child's first referral leads to CIN (55 %), CP (30 %) or CLA (15 %).
    plan = rng.choice(["CIN", "CP", "CLA"], n, p=[0.55, 0.3, 0.15])
    plan_start = referral_day + rng.integers(20, 40, n).astype("timedelta64[D]")
    planned = plan_start <= end
    tables_for_plans = {"CIN": "ssd_cin_plans", "CP": "ssd_cp_plans"}
    for code, name in tables_for_plans.items():
        mask = (plan == code) & planned
        m = int(mask.sum())
        ids = np.array([f"{code}{i:06d}" for i in range(m)], dtype=object)
        prefix = "cinp_cin_plan" if code == "CIN" else "cppl_cp_plan"
        person_col = "cinp_person_id" if code == "CIN" else "cppl_person_id"
        t[name] = {
            f"{prefix}_id": ids,
            "cin_plan_id": ids,
            person_col: people[mask],
            f"{prefix}_start_date": _text(plan_start[mask]),
            f"{prefix}_end_date": np.full(m, ""),
        }
    cla = (plan == "CLA") & planned
    c = int(cla.sum())
    cla_ids = np.array([f"CLA{i:06d}" for i in range(c)], dtype=object)
    t["ssd_cla_episodes"] = {
        "clae_cla_episode_id": cla_ids,
        "clae_person_id": people[cla],
        "clae_cla_id": cla_ids,
        "clae_cla_episode_start_date": _text(plan_start[cla]),
        "clae_cla_episode_ceased_date": np.full(c, ""),
        "clae_entered_care_date": _text(plan_start[cla]),
    }
    plan_ids = {
        "CIN": t["ssd_cin_plans"]["cinp_cin_plan_id"],
        "CP": t["ssd_cp_plans"]["cppl_cp_plan_id"],
    }
    # Visits: every 5 to 50 days from the plan's start to the extract's date.
    for code, name, prefix in (
        ("CIN", "ssd_cin_visits", "cinv_cin"),
        ("CP", "ssd_cp_visits", "cppv_cp"),
        ("CLA", "ssd_cla_visits", "clav_cla"),
    ):
        mask = (plan == code) & planned
        span = (end - plan_start[mask]).astype(int)
        gap = {"CIN": 24, "CP": 12, "CLA": 38}[code]
        count = np.maximum(span // gap, 1)
        owner = np.repeat(np.arange(int(mask.sum())), count)
        jitter = rng.integers(-gap // 3, gap // 3 + 1, len(owner))
        nth = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
        day = plan_start[mask][owner] + (nth * gap + jitter).astype("timedelta64[D]")
        day = np.minimum(np.maximum(day, plan_start[mask][owner]), end)
        seen = rng.random(len(owner)) < 0.93
        alone = seen & (rng.random(len(owner)) < 0.7)
        person_col = {"CIN": "cinv_person_id", "CP": "cppv_person_id", "CLA": "clav_person_id"}
        table = {
            f"{prefix}_visit_id": np.arange(1, len(owner) + 1),
            person_col[code]: people[mask][owner],
            f"{prefix}_visit_date": _text(day),
            f"{prefix}_visit_seen": np.where(seen, "Y", "N"),
            f"{prefix}_visit_seen_alone": np.where(alone, "Y", "N"),
            f"{prefix}_visit_bedroom": np.where(seen, "Y", ""),
        }
        if code == "CP":
            table["cppv_cp_plan_id"] = plan_ids["CP"][owner]
        if code == "CIN":
            table["cinv_cin_plan_id"] = plan_ids["CIN"][owner]
        if code == "CLA":
            table["clav_cla_id"] = cla_ids[owner]
        t[name] = table
    # Section 47s: one before each CP plan, and as many again that end in no conference.
    cp = (plan == "CP") & planned
    none = (~cp) & (rng.random(n) < 0.15)
    s47_person = np.concatenate([people[cp], people[none]])
    s47_start = np.concatenate(
        [
            plan_start[cp] - rng.integers(10, 28, int(cp.sum())).astype("timedelta64[D]"),
            referral_day[none] + np.timedelta64(5, "D"),
        ]
    )
    needed = np.concatenate([np.ones(int(cp.sum()), bool), np.zeros(int(none.sum()), bool)])
    s = len(s47_person)
    with_flag = rng.random(s) < 0.7  # the rest say it through s47e_s47_nfa only
    flag = np.where(needed, '"CP_CONFERENCE_FLAG": "Y"', '"CP_CONFERENCE_FLAG": "N"')
    t["ssd_s47_enquiry"] = {
        "s47e_s47_enquiry_id": np.arange(1, s + 1),
        "s47e_referral_id": np.zeros(s, int),
        "s47e_person_id": s47_person,
        "s47e_s47_start_date": _text(s47_start),
        "s47e_s47_end_date": _text(s47_start + np.timedelta64(10, "D")),
        "s47e_s47_nfa": np.where(needed, "N", "Y"),
        "s47e_s47_outcome_json": np.where(with_flag, np.char.add(np.char.add("{", flag), "}"), ""),
        "s47e_s47_completed_by_team": team_ids[rng.integers(2, 4, s)],
        "s47e_s47_completed_by_worker_id": workers[rng.integers(0, w, s)],
    }
    held = s47_start[needed] + rng.integers(8, 30, int(needed.sum())).astype("timedelta64[D]")
    h = len(held)
    transfer = rng.random(h) < 0.03
    t["ssd_initial_cp_conference"] = {
        "icpc_icpc_id": np.arange(1, h + 1),
        "icpc_s47_enquiry_id": np.arange(1, h + 1),
        "icpc_person_id": s47_person[needed],
        "icpc_icpc_date": _text(np.where(held <= end, held, np.datetime64("NaT"))),
        "icpc_icpc_transfer_in": np.where(transfer, "Y", "N"),
        "icpc_icpc_outcome_cp_flag": np.full(h, "Y"),
    }
    # Assessments: one per referral, authorised 10 to 60 days on (some still open).
    a_start = ref_day + np.timedelta64(2, "D")
    a_done = a_start + rng.integers(10, 60, refs).astype("timedelta64[D]")
    a_done = np.where(a_done <= end, a_done, np.datetime64("NaT"))
    t["ssd_cin_assessments"] = {
        "cina_assessment_id": np.arange(1, refs + 1),
        "cina_person_id": ref_person,
        "cina_referral_id": ref_ids,
        "cina_assessment_start_date": _text(a_start),
        "cina_assessment_auth_date": _text(a_done),
        "cina_assessment_team": ref_team,
        "cina_assessment_worker_id": workers[rng.integers(0, w, refs)],
    }
    # Looked-after reviews: 20 days in, then after 3 months, then every 6 months.
    offsets = np.array([20, 110, 290, 470, 650, 830])
    r_owner = np.repeat(np.arange(c), len(offsets))
    r_day = plan_start[cla][r_owner] + np.tile(offsets, c).astype("timedelta64[D]")
    r_day = r_day + rng.integers(-3, 6, len(r_day)).astype("timedelta64[D]")
    held_r = r_day <= end
    r_owner, r_day = r_owner[held_r], r_day[held_r]
    t["ssd_cla_reviews"] = {
        "clar_cla_review_id": np.arange(1, len(r_day) + 1),
        "clar_cla_id": cla_ids[r_owner],
        "clar_cla_review_due_date": _text(r_day),
        "clar_cla_review_date": _text(r_day),
        "clar_cla_review_cancelled": np.where(rng.random(len(r_day)) < 0.02, "Y", "N"),
        "clar_cla_review_participation": rng.choice(["PN1", "PN3", "PN5", "PN0"], len(r_day)),
    }
    # Care leavers: one in twelve of the children, with a personal adviser (a name).
    leaver = rng.random(n) < 1 / 12
    m = int(leaver.sum())
    t["ssd_care_leavers"] = {
        "clea_table_id": np.arange(1, m + 1),
        "clea_person_id": people[leaver],
        "clea_care_leaver_in_touch": rng.choice(["YES", "NO", "REFU"], m, p=[0.85, 0.1, 0.05]),
        "clea_care_leaver_activity": rng.choice(["F2", "F5", "G5", "P1"], m),
        "clea_care_leaver_accom_suitable": rng.choice(["1", "2"], m, p=[0.9, 0.1]),
        "clea_care_leaver_allocated_team": np.full(m, "T06", dtype=object),
        "clea_care_leaver_personal_advisor": _names(rng, m),
        "clea_pathway_plan_review_date": _text(_dates(rng, end - np.timedelta64(300, "D"), 300, m)),
    }
    # CP review conferences: the first 88 days after the plan's start (due at 90, about 3
    # months), then every 178 days (due at 182, about 6 months); one plan in seven holds
    # each review 5 days late. No random draw: the other tables stay as they were.
    p = int(cp.sum())
    due_offsets = np.array([90, 272, 454, 636, 818])
    pr_owner = np.repeat(np.arange(p), len(due_offsets))
    pr_due = plan_start[cp][pr_owner] + np.tile(due_offsets, p).astype("timedelta64[D]")
    late = np.where(pr_owner % 7 == 0, 5, -2).astype("timedelta64[D]")
    pr_day = pr_due + late
    pr_held = pr_day <= end
    pr_owner, pr_due, pr_day = pr_owner[pr_held], pr_due[pr_held], pr_day[pr_held]
    t["ssd_cp_reviews"] = {
        "cppr_cp_review_id": np.arange(1, len(pr_day) + 1),
        "cppr_person_id": people[cp][pr_owner],
        "cppr_cp_plan_id": plan_ids["CP"][pr_owner],
        "cppr_cp_review_due": _text(pr_due),
        "cppr_cp_review_date": _text(pr_day),
    }
    return {name: _with_build_columns(name, body, build) for name, body in t.items()}


def _with_build_columns(name: str, body: dict[str, object], build: str) -> pd.DataFrame:
    """The table with exactly its build's columns, in its order (blank where not made)."""
    wanted = columns(build).get(name, [])
    rows = len(next(iter(body.values())))
    return pd.DataFrame({c: body.get(c, np.full(rows, "")) for c in wanted}, index=range(rows))


def write(out: Path, size: Size = Size(), seed: int = 2022, build: str = "systemc") -> list[Path]:
    """Write the extract to ``out``: ``ssd_<table>.csv`` per table. Gives the files."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables(size, seed, build).items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.ssd", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the ssd_*.csv files in")
    parser.add_argument("--children", type=int, default=Size.children)
    parser.add_argument("--workers", type=int, default=Size.workers)
    parser.add_argument("--build", choices=BUILDS, default="systemc")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    paths = write(args.out, Size(args.children, args.workers), args.seed, args.build)
    print(f"{len(paths)} SSD tables written to {args.out} (synthetic; extract of {EXTRACT_DATE}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
