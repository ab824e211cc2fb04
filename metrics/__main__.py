"""Command line: ``python -m metrics compute|show|refresh``.

``compute`` prints KPI values as CSV, counted afresh from the loaded returns (not read from
the stored ``kpi_values``), for analysts who script and for checking the dashboard against
an independent calculation; ``show`` prints the month's KPIs and their status for a quick
check without the dashboard;
``refresh`` works the stored KPI values out again after a council changes a cap, the ICPC
limit, a supervision cycle or a visit timescale in ``config/council.yaml`` (those change the
counting itself).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from etl import store
from metrics import actions, api, comparison, compute
from metrics.formatting import format_figure, inert_text, uk_month
from metrics.materialise import refresh_all


def _month(text: str | None, loaded: list) -> object | None:
    if text is None:
        return loaded[-1] if loaded else None
    return pd.Timestamp(f"{text}-01").date()


def cmd_show(args: argparse.Namespace) -> int:
    db = store.db_path(args.db)
    loaded = api.months(db)
    month = _month(args.month, loaded)
    if month is None:
        print(f"No KPI values in {db}: load returns first.", file=sys.stderr)
        return 1
    frame = api.kpi_values(db, months=[month], teams=[args.team])
    if frame.empty:
        print(f"No KPI values for {uk_month(month)} and team {args.team}.", file=sys.stderr)
        return 1
    who = "whole council" if args.team == api.ALL else args.team
    team = actions.WHOLE_COUNCIL if args.team == api.ALL else args.team
    written = actions.month_actions(db, month)
    print(f"{uk_month(month)}, {who}")
    print(f"  {'KPI':<22} {'value':>24}  {'status':<11} why")
    for row in frame.itertuples():
        title = api.kpi(row.kpi).short_title
        value = format_figure(row.value, row.unit, row.numerator, row.denominator)
        print(f"  {title:<22} {value:>24}  {row.icon} {row.status:<9} {row.reason}")
        if args.team == api.ALL:
            compared = comparison.england_position(db, row.kpi, month)
            print(f"  {'':<22} {'':>9}  compared: {compared}")
        entry = actions.for_measure(written, row.kpi, team)
        if entry and entry["commentary"]:
            print(f"  {'':<22} {'':>9}  commentary: {entry['commentary']}")
        if entry and entry["action"]:
            print(f"  {'':<22} {'':>9}  action: {actions.action_words(entry)}")
    return 0


CSV_COLUMNS = ["kpi", "month", "team", "numerator", "denominator", "value"]


def cmd_compute(args: argparse.Namespace) -> int:
    db = store.db_path(args.db)
    try:
        months = None if args.month is None else [_month(args.month, [])]
        con = store.open_reader(db)
    except (store.StoreMissing, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        frame = compute.compute(con, args.kpi, months)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    finally:
        con.close()
    # One row per KPI x month x team plus the council (ALL): the plan-type and role splits
    # are the dashboard's filters, not rows of this table.
    teams = frame[(frame["plan_type"] == api.ALL) & (frame["role"] == api.ALL)].copy()
    teams["month"] = [m.strftime("%Y-%m") for m in teams["month"]]
    inert_text(teams[CSV_COLUMNS]).to_csv(
        sys.stdout, index=False, float_format="%.10g", lineterminator="\n"
    )
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    db = store.db_path(args.db)
    if not db.exists():
        print(f"No store at {db}.", file=sys.stderr)
        return 1
    try:
        with store.open_writer(db) as con:
            # One transaction: readers of the master never see the table half rebuilt, and a
            # failure leaves the old values (nothing is published unless it commits).
            con.execute("BEGIN TRANSACTION")
            months = refresh_all(con)
            con.execute("COMMIT")
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    print(f"Worked out KPI values again for {len(months)} month(s) in {db}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Read every declaration (returns, KPIs, council settings) strictly, as start-up does."""
    from etl.returns import all_returns
    from metrics.declarations import declarations

    try:
        returns, found = all_returns(), declarations()
    except ValueError as exc:  # DeclarationError is a ValueError: the file and key named
        print(f"Declarations refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"{len(returns)} returns, {len(found.areas)} areas and {len(found.kpis)} KPIs "
        "declared; every key known, every return, column, rule and setting found."
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m metrics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    db_help = "DuckDB store (default: $CSC_DB or data/csc.duckdb)"
    calc = sub.add_parser("compute", help="KPI values as CSV, counted from the returns")
    calc.add_argument("--db", help=db_help)
    calc.add_argument("--month", help="YYYY-MM (default: every loaded month)")
    calc.add_argument("--kpi", nargs="+", metavar="ID", help="KPI ids (default: all)")
    calc.set_defaults(func=cmd_compute)
    show = sub.add_parser("show", help="a month's KPIs and status")
    show.add_argument("--db", help=db_help)
    show.add_argument("--month", help="YYYY-MM (default: the latest loaded)")
    show.add_argument("--team", default=api.ALL, help="a team (default: the whole council)")
    show.set_defaults(func=cmd_show)
    refresh = sub.add_parser("refresh", help="recompute stored KPI values after a config change")
    refresh.add_argument("--db", help=db_help)
    refresh.set_defaults(func=cmd_refresh)
    check = sub.add_parser("check", help="check every declaration strictly (as at start-up)")
    check.set_defaults(func=cmd_check)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
