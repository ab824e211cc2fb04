"""Command line: ``python -m demo [--db PATH]`` builds the fictional demo council's store.

The app builds it by itself on a first start with no store; this is for a store elsewhere,
a different length or seed, or several councils at once (``--scale``, for the benchmarks).
Exit status is 0 only when every file loaded, as ``python -m etl load`` does.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from demo.build import build_demo
from etl.write import store
from etl.write.load import print_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="DuckDB store (default: $CSC_DB or data/csc.duckdb)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--scale", type=int, default=1, help="councils to generate")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db = store.db_path(args.db)
    started = time.perf_counter()
    results = build_demo(db, months=args.months, seed=args.seed, scale=args.scale)
    code = print_results(results)
    print(f"Demo store at {db} built in {time.perf_counter() - started:.1f} s.")
    return code


if __name__ == "__main__":
    sys.exit(main())
