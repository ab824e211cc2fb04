"""The narrative: sentences whose every figure is the metrics layer's, written the same way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from metrics import api
from metrics.formatting import format_value, uk_month
from metrics.narrative import area_sentences, kpi_sentences, rule_clause, worst_teams
from metrics.projection import kpi_projection
from metrics.suppression import SHOW_ALL, Suppressor

MONTH, COMPARE = date(2021, 6, 1), date(2021, 3, 1)


def _council(db: Path, kpi_id: str, month: date) -> pd.Series:
    frame = api.kpi_values(db, [kpi_id], months=[month], teams=["ALL"])
    return frame.iloc[0]


def test_the_council_sentence_carries_the_metrics_layer_figures(demo_db: Path) -> None:
    for k in api.all_kpis():
        now, before = _council(demo_db, k.id, MONTH), _council(demo_db, k.id, COMPARE)
        first = kpi_sentences(demo_db, k.id, MONTH, COMPARE)[0]
        assert first.startswith(f"{k.title}: {format_value(now['value'], k.unit)} (")
        if format_value(now["value"], k.unit) != format_value(before["value"], k.unit):
            assert f"from {format_value(before['value'], k.unit)} in {uk_month(COMPARE)}" in first
        assert f"— {now['status']}; {rule_clause(api.threshold(k.id), k.unit)}." in first


def test_the_team_sentence_counts_teams_and_names_the_worst(demo_db: Path) -> None:
    kpi_id = "agency_worker_pct"  # a cap of 20%: a team is off track above it
    values = api.kpi_values(demo_db, [kpi_id], months=[COMPARE, MONTH])
    teams = values[(values["team"] != "ALL") & values["value"].notna()]
    now, then = teams[teams["month"] == MONTH], teams[teams["month"] == COMPARE]
    off_now = int((now["status"] == "off track").sum())
    off_then = int((then["status"] == "off track").sum())
    sentence = kpi_sentences(demo_db, kpi_id, MONTH, COMPARE)[1]
    assert sentence.startswith(
        f"{off_now} of {len(now)} teams are off track (March 2021: {off_then})."
    )
    worst = now[now["status"] == "off track"].sort_values("value", ascending=False).iloc[0]
    assert (
        f"Furthest from the rule: {worst['team']} "
        f"({format_value(worst['value'], 'percent')}, off track)" in sentence
    )


def test_any_is_too_many_rules_say_what_the_teams_have(demo_db: Path) -> None:
    k = api.kpi("caseload_qsw_over_cap_pct")
    values = api.kpi_values(demo_db, [k.id], months=[MONTH])
    teams = values[(values["team"] != "ALL") & values["value"].notna()]
    with_any = int((teams["numerator"] > 0).sum())
    sentence = kpi_sentences(demo_db, k.id, MONTH, COMPARE)[1]
    assert sentence.startswith(f"{with_any} of {len(teams)} teams have {k.numerator.text} (")


def test_a_kpi_short_of_its_target_gets_its_projection(demo_db: Path) -> None:
    kpi_id = "caseload_qsw_over_cap_pct"
    projection = kpi_projection(demo_db, kpi_id, MONTH)
    sentences = kpi_sentences(demo_db, kpi_id, MONTH, COMPARE)
    assert (projection.sentence() in sentences) == (not projection.already_met)
    assert not any(
        "At the rate" in s for s in kpi_sentences(demo_db, "visits_in_time_pct", MONTH, COMPARE)
    )


def test_suppression_reaches_the_sentences(demo_db: Path) -> None:
    # the council's count of workers over cap: shown in full inside the council, hidden if 1–4
    kpi_id = "caseload_workers_over_cap"
    value = _council(demo_db, kpi_id, MONTH)["value"]
    hide = Suppressor(enabled=True, threshold=int(value) + 1)  # so this month's count is small
    assert (
        kpi_sentences(demo_db, kpi_id, MONTH, COMPARE, SHOW_ALL)[0]
        .split(" (")[0]
        .endswith(f": {format_value(value, 'count')}")
    )
    hidden = kpi_sentences(demo_db, kpi_id, MONTH, COMPARE, hide)[0]
    assert hidden.split(" (")[0].endswith(f": <{int(value) + 1}") == (value > 0)


def test_worst_teams_ranks_off_track_first_then_by_distance() -> None:
    k = api.kpi("agency_worker_pct")  # lower is better, cap 20
    rows = pd.DataFrame(
        {
            "team": ["A", "B", "C", "D"],
            "value": [23.0, 35.0, 18.0, 30.0],
            "threshold": [20.0, 20.0, 20.0, 20.0],
            "previous_value": [None] * 4,
            "status": ["at risk", "off track", "on track", "off track"],
        }
    )
    # gaps above the cap: B 15, D 10 (off track), then A 3 (at risk); C is on track
    assert list(worst_teams(rows, k)["team"]) == ["B", "D", "A"]


def test_area_sentences_cover_every_kpi_in_the_area(demo_db: Path) -> None:
    for area in api.areas():
        got = area_sentences(demo_db, area.id, MONTH, COMPARE)
        assert list(got) == [k.id for k in area.kpis]
        assert all(got.values())
