"""Load a downloaded EES file as the benchmarks return, through the normal checked path.

Apart from the conversion (``etl.sources.ees.convert``) because it writes: the conversion is
also asked, without loading, what a file is (``etl.sources.formats`` advises on an EES file
met by ``etl load``), and that must not import the loader that reads it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from etl.sources.ees.convert import EesConversion, EesMapping, convert
from etl.write.load import LoadResult, load_paths


def import_ees(
    db: Path,
    path: Path,
    *,
    source: str = "cli",
    user: str | None = None,
    mapping: EesMapping | None = None,
) -> tuple[EesConversion, LoadResult]:
    """Convert a downloaded EES file and load it as the benchmarks return (checked, logged)."""
    conversion = convert(path.read_bytes(), mapping)
    with tempfile.TemporaryDirectory(prefix="csc-ees-") as tmp:
        converted = Path(tmp) / f"benchmarks_{path.stem}.csv"
        conversion.frame.to_csv(converted, index=False)
        (result,) = load_paths(db, [converted], source=source, user=user)
    return conversion, result
