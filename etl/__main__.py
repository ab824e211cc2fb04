"""Command line: ``python -m etl load|load-ssd|import-ees|import-neighbours|watch|status|
audit|suites|tidy|docs``.

Exit status is 0 only when every file loaded or was unchanged, so a scheduled job or an
analyst's script can tell at once that something needs attention.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from etl.write import store

log = logging.getLogger("etl")


def _db(args: argparse.Namespace) -> Path:
    return store.db_path(args.db)


def cmd_load(args: argparse.Namespace) -> int:
    from etl.write.load import load_paths, print_results

    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"Not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        results = load_paths(_db(args), paths, "cli", as_at=args.as_at, replace=args.replace)
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    return print_results(results)


def cmd_load_ssd(args: argparse.Namespace) -> int:
    """Read the SSD tables from the council's Postgres database and load them as one extract
    (nightly, from cron or Task Scheduler: docs/ssd.md). The URL is never printed or logged:
    it may carry a password."""
    import psycopg

    from etl.report import FileRejected
    from etl.sources.ssd.database import read_tables
    from etl.write.load import check_ssda903, commit_checked, print_results

    try:
        files = read_tables(args.url, args.schema)
    except FileRejected as exc:
        print(exc.finding.line(), file=sys.stderr)
        return 1
    except psycopg.Error as exc:  # its class says what failed; its text could quote the URL
        print(f"Could not read the SSD database ({type(exc).__name__})", file=sys.stderr)
        return 2
    db = _db(args)
    fc = check_ssda903(files, args.as_at)
    try:
        with store.open_writer(db) as con:
            result = commit_checked(con, db, fc, "database", replace=args.replace)
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    finally:
        fc.discard()
    return print_results([result])


def cmd_import_ees(args: argparse.Namespace) -> int:
    from etl.sources.ees.convert import EesFileError
    from etl.sources.ees.importer import import_ees
    from etl.write.load import print_results

    path = Path(args.path)
    if not path.exists():
        print(f"Not found: {path}", file=sys.stderr)
        return 2
    try:
        conversion, result = import_ees(_db(args), path)
    except EesFileError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    print(conversion.summary())
    return print_results([result])


def cmd_import_neighbours(args: argparse.Namespace) -> int:
    from etl.sources.neighbours import NeighbourFileError, as_settings, read_table
    from etl.write.audit import os_actor
    from metrics.config import load_config
    from metrics.settings_store import SettingsInvalid, save_comparison

    path = Path(args.path)
    if not path.exists():
        print(f"Not found: {path}", file=sys.stderr)
        return 2
    config = load_config()
    if not config.la_code:
        print("Set la_code (the DfE's three-digit LA number) in config/council.yaml first.")
        return 1
    try:
        neighbours = read_table(path.read_bytes()).for_council(config.la_code)
        changed = save_comparison(
            _db(args), os_actor(), neighbours=as_settings(neighbours), source=path.name
        )
    except (NeighbourFileError, SettingsInvalid) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    print(
        f"{config.council_name} (LA {config.la_code}): {len(neighbours)} neighbours, closest first:"
    )
    for n in neighbours:
        print(f"  {n.la_code}  {n.name}" + (f" ({n.closeness})" if n.closeness else ""))
    print(changed[0] if changed else "config/council.yaml already lists these; nothing changed.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    db = _db(args)
    try:
        con = store.open_reader(db)
    except store.StoreMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    rows = con.execute(
        """
        SELECT return_type, strftime(month, '%Y-%m') AS month, rows, status,
               strftime(loaded_at, '%d/%m/%Y %H:%M') AS loaded_at
        FROM load_log l
        WHERE status IN ('loaded', 'replaced') AND load_id = (
            SELECT max(load_id) FROM load_log m
            WHERE m.return_type = l.return_type AND m.month IS NOT DISTINCT FROM l.month
              AND m.status IN ('loaded', 'replaced'))
        ORDER BY return_type, month
        """
    ).fetchall()
    kind = store.store_kind(con)
    con.close()
    print(f"Store: {db} ({kind or 'empty'})")
    print(f"{'return':<12} {'month':<8} {'rows':>8}  {'status':<9} loaded")
    for ret, month, n, status, when in rows:
        print(f"{ret:<12} {month or '-':<8} {n:>8,}  {status:<9} {when}")
    print(f"{len(rows)} return-month(s) loaded.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from charts.export import to_csv_bytes
    from etl.write import audit

    if args.action and args.action not in audit.ACTIONS:
        print(f"Unknown action {args.action!r}: use {', '.join(audit.ACTIONS)}", file=sys.stderr)
        return 2
    try:
        rows = audit.entries(
            _db(args), limit=args.limit, action=args.action, who=args.user, since=args.since
        )
    except store.StoreMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except store.StoreBusy as exc:
        print(str(exc), file=sys.stderr)
        return 3
    if args.csv:  # times as YYYY-MM-DD HH:MM:SS, so a spreadsheet sorts them
        rows["happened_at"] = rows["happened_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
        sys.stdout.buffer.write(to_csv_bytes(rows.drop(columns="audit_id")))
        return 0
    for row in audit.readable(rows).itertuples(index=False):
        print(f"{row.When:<26} {row.Who:<32} {row.Action:<20} {row.What}")
        if row.Detail:
            print(f"{'':<26} {row.Detail}")
    print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}, newest first.")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_suites(args: argparse.Namespace) -> int:
    from etl.check.suites import stale_suites, write_suites

    if args.check:
        stale = stale_suites()
        if stale:
            print(f"Out of step with their declarations: {', '.join(stale)}", file=sys.stderr)
            return 1
        print("All expectation suites match their declarations.")
        return 0
    print("Wrote " + ", ".join(write_suites()))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from etl.write.watch import DEFAULT_INBOX, watch

    logging.getLogger("etl").setLevel(logging.INFO)
    folder = Path(args.folder) if args.folder else DEFAULT_INBOX
    try:
        watch(folder, _db(args), settle=args.settle, wait=args.wait)
    except KeyboardInterrupt:
        print("Stopped watching.")
    return 0


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of days, 1 or more: {text!r}")
    return int(text)


def cmd_tidy(args: argparse.Namespace) -> int:
    from etl.write import retention

    db = _db(args)
    days = args.days if args.days is not None else retention.configured_days()
    removed = retention.tidy(db, days)
    for path in removed:  # kept names are safe names (etl.read.reader.safe_name) behind a stamp
        print(f"  removed {path.parent.name}/{path.name}")
    print(
        f"Removed {len(removed)} kept file(s) older than {days} days "
        f"from rejected/ and processed/ beside {db}."
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from etl import templates
    from etl.returns import all_returns

    spec = all_returns().get(args.name)
    if spec is None:
        print(f"No return {args.name!r}; returns: {', '.join(all_returns())}", file=sys.stderr)
        return 2
    out = Path(args.out or f"{spec.name}_template.xlsx")
    out.write_bytes(templates.template_workbook(spec))
    print(f"Wrote {out}: fill the '{spec.name}' sheet and save it as {templates.file_name(spec)}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from etl import returns_doc

    if args.check:
        if not returns_doc.is_current():
            print(f"{returns_doc.DOC_PATH} is out of step: run python -m etl docs", file=sys.stderr)
            return 1
        print("docs/returns.md matches the declarations.")
        return 0
    print(f"Wrote {returns_doc.write()}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Read the return declarations, the EES mapping and the access file strictly, as
    start-up does (council settings and KPIs: ``python -m metrics check``)."""
    import yaml

    from etl.returns import all_returns
    from etl.schemas import ACCESS_FILE, check_access
    from etl.sources.ees.convert import load_mapping

    try:
        returns, mapping = all_returns(), load_mapping()
        if ACCESS_FILE.exists():
            check_access(yaml.safe_load(ACCESS_FILE.read_text(encoding="utf-8")), ACCESS_FILE.name)
    except ValueError as exc:  # DeclarationError is a ValueError: the file and key named
        print(f"Declarations refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"{len(returns)} returns, {len(mapping.indicators)} EES indicators and the access file "
        "declared; every key known."
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    db_help = "DuckDB store (default: $CSC_DB or data/csc.duckdb)"

    load = sub.add_parser("load", help="check and load return files or folders")
    load.add_argument("paths", nargs="+")
    load.add_argument("--db", help=db_help)
    load.add_argument(
        "--as-at",
        type=_day,
        help="an Ofsted Annex A workbook's list date, or an SSDA903 or SSD extract's date "
        "(YYYY-MM-DD), if its name (903) or its latest event (SSD) does not say",
    )
    load.add_argument(
        "--replace",
        action="store_true",
        help="let these files replace months loaded from a file of the other kind "
        "(monthly return / Annex A workbook)",
    )
    load.set_defaults(func=cmd_load)

    ssd = sub.add_parser(
        "load-ssd", help="load the Standard Safeguarding Dataset straight from Postgres"
    )
    ssd.add_argument("url", help="postgresql://user@host:port/database (a password: use ~/.pgpass)")
    ssd.add_argument("--schema", help="the schema holding the ssd_* tables (default: found)")
    ssd.add_argument("--db", help=db_help)
    ssd.add_argument("--as-at", type=_day, help="the extract's date (default: its latest event)")
    ssd.add_argument(
        "--replace", action="store_true", help="let it replace months loaded from other files"
    )
    ssd.set_defaults(func=cmd_load_ssd)

    ees = sub.add_parser(
        "import-ees", help="load a DfE explore education statistics CSV as benchmarks"
    )
    ees.add_argument("path", help="the local-authority CSV downloaded from the DfE")
    ees.add_argument("--db", help=db_help)
    ees.set_defaults(func=cmd_import_ees)

    sn = sub.add_parser(
        "import-neighbours",
        help="set the council's statistical neighbours from the DfE's groupings table",
    )
    sn.add_argument("path", help="the DfE's statistical-neighbour table (CSV)")
    sn.add_argument("--db", help=db_help + "; the change is recorded in its audit log")
    sn.set_defaults(func=cmd_import_neighbours)

    status = sub.add_parser("status", help="what is loaded: return × month")
    status.add_argument("--db", help=db_help)
    status.set_defaults(func=cmd_status)

    trail = sub.add_parser("audit", help="who loaded, downloaded or changed settings, and when")
    trail.add_argument("--db", help=db_help)
    trail.add_argument("--since", type=_day, help="only from this day (YYYY-MM-DD)")
    trail.add_argument("--action", help="only this action: load, row_download, export or settings")
    trail.add_argument("--user", help="only this person (e-mail or os:<account>)")
    trail.add_argument("--limit", type=int, default=1000, help="at most this many (newest)")
    trail.add_argument("--csv", action="store_true", help="CSV on standard output")
    trail.set_defaults(func=cmd_audit)

    suites = sub.add_parser("suites", help="regenerate expectation suites from declarations")
    suites.add_argument("--check", action="store_true", help="only check they are in step")
    suites.set_defaults(func=cmd_suites)

    watch = sub.add_parser("watch", help="load every return dropped into a folder")
    watch.add_argument("folder", nargs="?", help="drop folder (default: data/inbox)")
    watch.add_argument("--db", help=db_help)
    watch.add_argument(
        "--settle", type=float, default=2.0, help="seconds a file must stay unchanged first"
    )
    watch.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for another load before retrying"
    )
    watch.set_defaults(func=cmd_watch)

    tidy = sub.add_parser(
        "tidy", help="delete kept files in rejected/ and processed/ past the retention period"
    )
    tidy.add_argument("--db", help=db_help)
    tidy.add_argument(
        "--days", type=_days, help="keep files this many days (default: retention_days setting)"
    )
    tidy.set_defaults(func=cmd_tidy)

    template = sub.add_parser("template", help="write a return's Excel template (.xlsx)")
    template.add_argument("name", help="the return, e.g. supervision")
    template.add_argument("--out", help="where to write it (default: <name>_template.xlsx)")
    template.set_defaults(func=cmd_template)

    docs = sub.add_parser("docs", help="write docs/returns.md from the declarations")
    docs.add_argument("--check", action="store_true", help="only check it is in step")
    docs.set_defaults(func=cmd_docs)

    check = sub.add_parser(
        "check", help="read the return declarations, EES mapping and access file strictly"
    )
    check.set_defaults(func=cmd_check)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
