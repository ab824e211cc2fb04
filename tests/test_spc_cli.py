"""``python -m metrics spc``: the XmR chart as CSV, re-derived here from its own values.

The limits are worked out again in plain Python from the printed values (mean; mean of the
absolute month-to-month differences; mean ± 2.66 × that), and every month outside them must
be marked a special cause, so an analyst's spreadsheet and the dashboard can be compared.
"""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stdout
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from metrics.__main__ import main

COLUMNS = [
    "month",
    "team",
    "value",
    "mean",
    "lower_limit",
    "upper_limit",
    "special_cause",
    "variation",
    "assurance",
]


def _run(*args: str) -> tuple[list[dict[str, str]], str]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["spc", *args]) == 0
    text = out.getvalue()
    return list(csv.DictReader(io.StringIO(text))), text.splitlines()[0]


def _rederive(rows: list[dict[str, str]]) -> tuple[float, float, float]:
    values = [float(r["value"]) for r in rows if r["value"]]
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in pairwise(values)]
    spread = 2.66 * sum(ranges) / len(ranges)
    return mean, mean - spread, mean + spread


@pytest.mark.parametrize(
    ("kpi", "team"),
    [
        ("visits_in_time_pct", "ALL"),
        ("caseload_qsw_over_cap_pct", "ALL"),
        ("icpc_within_15wd_pct", "Safeguarding 1"),
    ],
)
def test_the_csv_limits_and_flags_can_be_worked_out_again(demo_db: Path, kpi, team) -> None:
    rows, header = _run("--db", str(demo_db), "--kpi", kpi, "--team", team, "--month", "2022-03")
    assert header.split(",") == COLUMNS  # exactly these, no baseline column when not rebased
    assert rows[0]["month"] == "2019-04" and rows[-1]["month"] == "2022-03"
    mean, lower, upper = _rederive(rows)
    for row in rows:
        if not row["value"]:  # a month with no figure (no conference in the team) is a gap
            assert row["mean"] == row["variation"] == row["assurance"] == ""
            continue
        assert float(row["mean"]) == pytest.approx(mean)
        assert float(row["lower_limit"]) == pytest.approx(lower)
        assert float(row["upper_limit"]) == pytest.approx(upper)
        value = float(row["value"])
        assert row["special_cause"] in ("", "improvement", "concern")
        if value > upper or value < lower:  # outside the limits is always a special cause
            assert row["special_cause"] != ""
        assert (
            row["variation"]
            == {
                "": "common_cause",
                "improvement": "special_cause_improvement",
                "concern": "special_cause_concern",
            }[row["special_cause"]]
        )
        assert row["assurance"] in ("consistently_meets", "consistently_fails", "hit_and_miss")


def test_a_rebase_adds_the_baseline_column(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(Path("config/council.yaml").read_text(encoding="utf-8"))
    config["spc"]["rebase_dates"] = [date(2021, 3, 1)]
    path = tmp_path / "council.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("CSC_CONFIG", str(path))
    rows, header = _run("--db", str(demo_db), "--kpi", "visits_in_time_pct", "--month", "2022-03")
    assert header.split(",") == [*COLUMNS, "baseline"]
    before = [r for r in rows if r["month"] < "2021-03"]
    after = [r for r in rows if r["month"] >= "2021-03"]
    assert {r["baseline"] for r in before} == {"no"} and {r["baseline"] for r in after} == {"yes"}
    # each baseline has its own mean and limits, worked out from its own months
    for part in (before, after):
        mean, lower, upper = _rederive(part)
        assert float(part[-1]["mean"]) == pytest.approx(mean)
        assert float(part[0]["upper_limit"]) == pytest.approx(upper)
        assert float(part[0]["lower_limit"]) == pytest.approx(lower)


def test_an_unknown_kpi_is_refused(demo_db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["spc", "--db", str(demo_db), "--kpi", "no_such_kpi"]) == 2
    assert "unknown KPI 'no_such_kpi'" in capsys.readouterr().err
