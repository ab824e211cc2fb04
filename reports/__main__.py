"""``python -m reports board-pack --db FILE --month YYYY-MM --format pdf|pptx --out FILE``."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from metrics.suppression import SHOW_ALL
from reports.pack import WRITERS, build_pack


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month like 2021-05: {text!r}") from None


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
        "--no-suppression",
        action="store_true",
        help="show small numbers in full (for use inside the council only)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        build_pack(
            args.db,
            args.month,
            args.format,
            args.out,
            compare=args.compare,
            hide=SHOW_ALL if args.no_suppression else None,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
