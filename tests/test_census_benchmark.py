"""The CIN census benchmark's lines: its synthetic file loads, and both figures have bounds."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks import census


def test_the_census_benchmark_loads_its_file_and_reports_time_and_memory(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", str(tmp_path / "key"))
    path = census.census_file(tmp_path, 300)
    assert census.bare_pass(path) == 300  # every child written, every one parsed
    load, memory = census.measure(tmp_path, 300, 1, 4_000)
    assert load.key == "census_load" and load.target == (10.0, "s") and load.ratio_limit == 3
    assert memory.key == "census_memory" and memory.target == (1024, "MB")
    assert memory.note == "loaded" and 0 < memory.bound < memory.value
    for line in (load.line(), memory.line()):
        assert re.search(r"; ratio \d+\.\d\dx; target ", line), line
