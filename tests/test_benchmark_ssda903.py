"""The SSDA903 benchmark's own set: exactly the rows it says, loading whole, measured."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks import ssda903


def test_the_synthetic_set_loads_and_is_measured(tmp_path: Path) -> None:
    paths = ssda903.write_set(tmp_path, 2_000)
    rows = {
        p.name: duckdb.sql(f"SELECT count(*) FROM read_csv('{p}')").fetchall()[0][0] for p in paths
    }
    # 500 children: 4 episodes, 2 reviews each; a missing episode for every fifth
    assert rows == {
        "SSDA903_2022_header.csv": 500,
        "SSDA903_2022_episodes.csv": 2_000,
        "SSDA903_2022_reviews.csv": 1_000,
        "SSDA903_2022_missing.csv": 100,
    }
    load, memory = ssda903.measure(tmp_path, 2_000, runs=1, cap_mb=4_000)
    assert load.key == "load_ssda903" and load.value > 0 and load.bound > 0
    assert load.target == (ssda903.SECONDS_BOUND, "s") and load.ratio_limit == 3.0
    assert memory.note == "loaded" and 0 < memory.value < 4_000
