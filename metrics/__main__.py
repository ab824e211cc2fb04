"""Command line: ``python -m metrics compute|show|spc|refresh``.

``compute`` prints KPI values as CSV, counted afresh from the loaded returns (not read from
the stored ``kpi_values``), for analysts who script and for checking the dashboard against
an independent calculation; ``show`` prints the month's KPIs and their status for a quick
check without the dashboard; ``spc`` prints one KPI's XmR chart (mean, process limits,
special causes, variation and assurance) as CSV, to check against an SPC spreadsheet;
``refresh`` works the stored KPI values out again after a council changes a cap, the ICPC
limit, a supervision cycle or a visit timescale in ``config/council.yaml`` (those change the
counting itself).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from etl.write import store
from metrics import actions, api, comparison, compute
from metrics.formatting import inert_text, uk_month
from metrics.materialise import refresh_all
from metrics.summary import summary


def _month(text: str | None, loaded: list) -> object | None:
    if text is None:
        return loaded[-1] if loaded else None
    return pd.Timestamp(f"{text}-01").date()


def cmd_show(args: argparse.Namespace) -> int:
    """The month's summary, exceptions first (``metrics.summary``, the list every surface
    draws), each measure with its figure, status, since when and why."""
    db = store.db_path(args.db)
    loaded = api.months(db)
    month = _month(args.month, loaded)
    if month is None:
        print(f"No KPI values in {db}: load returns first.", file=sys.stderr)
        return 1
    result = summary(db, month, team=args.team)
    if not result.lines:
        print(f"No KPI values for {uk_month(month)} and team {args.team}.", file=sys.stderr)
        return 1
    who = "whole council" if args.team == api.ALL else args.team
    team = actions.WHOLE_COUNCIL if args.team == api.ALL else args.team
    written = actions.month_actions(db, month)
    print(f"{uk_month(month)}, {who}: {result.headline}")
    print(f"  {'measure':<48} {'value':>22}  {'status':<11} since when; why")
    for line in result.lines:
        print(
            f"  {line.short:<48} {line.value:>22}  {line.status_text:<11} "
            f"{line.since}; {line.reason}"
        )
        if line.signal:
            print(f"  {'':<48} {'':>22}  signal: {line.signal}")
        if args.team == api.ALL:
            compared = comparison.england_position(db, line.kpi, month)
            print(f"  {'':<48} {'':>22}  compared: {compared}")
        entry = actions.for_measure(written, line.kpi, team)
        if entry and entry["commentary"]:
            print(f"  {'':<48} {'':>22}  commentary: {entry['commentary']}")
        if entry and entry["action"]:
            print(f"  {'':<48} {'':>22}  action: {actions.action_words(entry)}")
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


#: The CSV's columns: the chart's, less the two that say where a baseline starts.
SPC_COLUMNS = [c for c in api.CHART_COLUMNS if c not in ("baseline", "segment")]


def cmd_spc(args: argparse.Namespace) -> int:
    """One KPI's XmR chart as at a month, every month up to it, as CSV."""
    db = store.db_path(args.db)
    try:
        api.kpi(args.kpi)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    loaded = api.months(db)
    month = _month(args.month, loaded)
    if month is None:
        print(f"No KPI values in {db}: load returns first.", file=sys.stderr)
        return 1
    chart = api.process_chart(db, args.kpi, month, [args.team])
    if chart.empty:
        print(
            f"No values of {args.kpi} for team {args.team} up to {uk_month(month)}.",
            file=sys.stderr,
        )
        return 1
    columns = list(SPC_COLUMNS)
    if chart["segment"].max() > 0:  # rebased: which months the latest month is judged on
        chart["baseline"] = chart["baseline"].map({True: "yes", False: "no"})
        columns.append("baseline")
    chart["month"] = [m.strftime("%Y-%m") for m in chart["month"]]
    inert_text(chart[columns]).to_csv(
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
    chart = sub.add_parser("spc", help="one KPI's XmR chart (Making Data Count) as CSV")
    chart.add_argument("--db", help=db_help)
    chart.add_argument("--kpi", required=True, metavar="ID", help="a KPI id")
    chart.add_argument("--team", default=api.ALL, help="a team (default: the whole council)")
    chart.add_argument("--month", help="YYYY-MM, the as-at month (default: the latest loaded)")
    chart.set_defaults(func=cmd_spc)
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
