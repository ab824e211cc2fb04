"""``python -m reports board-pack --db FILE --month YYYY-MM --format pdf|pptx --out FILE``,
and ``python -m reports compare-csv --db FILE --month YYYY-MM --out FILE``."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from metrics.suppression import SHOW_ALL, Suppressor, for_exports
from reports.pack import WRITERS, build_pack, comparison_csv


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month like 2021-05: {text!r}") from None


def _suppressor(mode: str | None) -> Suppressor | None:
    """The suppressor for ``--suppression`` (``None``: the council's setting)."""
    if mode is None:
        return None
    if mode == "internal":
        return SHOW_ALL
    return Suppressor(enabled=True, threshold=for_exports().threshold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("board-pack", help="write the improvement board pack")
    pack.add_argument("--db", type=Path, required=True, help="the store (its published snapshot)")
    pack.add_argument("--month", type=_month, required=True, help="as at month, YYYY-MM")
    pack.add_argument("--format", choices=list(WRITERS), required=True)
    pack.add_argument("--out", type=Path, required=True)
    pack.add_argument("--compare", type=_month, help="compare with (default: last board meeting)")
    pack.add_argument(
        "--suppression",
        choices=["internal", "for_publication"],
        help="small numbers: internal (shown in full, for use inside the council) or "
        "for_publication (under 5 withheld); default: the council's `suppression` setting",
    )
    pack.add_argument(
        "--no-suppression",
        action="store_true",
        help="the same as --suppression internal",
    )
    csv = commands.add_parser(
        "compare-csv", help='write "How we compare" as CSV, DfE symbols with their meanings'
    )
    csv.add_argument("--db", type=Path, required=True, help="the store (its published snapshot)")
    csv.add_argument("--month", type=_month, required=True, help="as at month, YYYY-MM")
    csv.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.command == "compare-csv":
        try:
            args.out.write_bytes(comparison_csv(args.db, args.month))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"Wrote {args.out}")
        return 0
    try:
        build_pack(
            args.db,
            args.month,
            args.format,
            args.out,
            compare=args.compare,
            hide=_suppressor("internal" if args.no_suppression else args.suppression),
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
