"""Making Data Count XmR charts (``metrics.spc``) on small series worked out by hand.

Each rule is shown firing at its length and not one month short of it, for both polarities;
then a rebase, a series too short to judge and a flat series (zero moving range), and the
assurance of a target against the limits. Arithmetic in the comments; 2.66 is three sigma in
mean moving ranges, 1.7733 (= 2.66 × 2/3) two sigma.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from metrics import spc
from metrics.config import load_config
from metrics.declarations import declarations

RULES = spc.SpcRules()


def _series(values: list[float], start: date = date(2021, 1, 1)) -> pd.DataFrame:
    months = [(pd.Timestamp(start) + pd.DateOffset(months=i)).date() for i in range(len(values))]
    return pd.DataFrame({"kpi": "k", "team": "A", "month": months, "value": values})


def _chart(values, rules=RULES, higher=True, start=date(2021, 1, 1)) -> pd.DataFrame:
    frame = _series(values, start)
    return pd.concat(
        [frame, spc.chart(frame, ["kpi", "team"], higher_better=higher, rules=rules)], axis=1
    )


def _latest(values, rules=RULES, higher=True) -> pd.Series:
    frame = _series(values)
    judged = spc.signals(frame, ["kpi", "team"], higher_better=higher, rules=rules)
    return judged.iloc[-1]


# --- a month outside the limits -------------------------------------------------------------

# Twelve months 9, 11, 9, 11, ... (mean 10) then one more.
STEADY = [9, 11] * 6


def test_a_month_above_the_upper_limit_is_special_cause() -> None:
    # + 20: mean = (120 + 20) / 13 = 10.769; moving ranges 2 × 11 and |20 - 11| = 9,
    # mean moving range = 31 / 12 = 2.5833; upper limit = 10.769 + 2.66 × 2.5833 = 17.641.
    chart = _chart([*STEADY, 20])
    last = chart.iloc[-1]
    assert last["mean"] == pytest.approx(140 / 13)
    assert last["upper_limit"] == pytest.approx(140 / 13 + 2.66 * 31 / 12)
    assert last["lower_limit"] == pytest.approx(140 / 13 - 2.66 * 31 / 12)
    assert (last["special_cause"], last["variation"]) == ("improvement", spc.SPECIAL_IMPROVEMENT)
    # the months before alternate either side of the mean: no other pattern fires
    assert set(chart["special_cause"].iloc[:-1]) == {""}
    signal = _latest([*STEADY, 20])
    assert (signal["variation"], signal["rule"], signal["direction"]) == (
        spc.SPECIAL_IMPROVEMENT,
        "outside",
        1,
    )
    # lower is better: the same month is a concern
    assert _latest([*STEADY, 20], higher=False)["variation"] == spc.SPECIAL_CONCERN


def test_a_month_just_inside_the_limit_is_common_cause() -> None:
    # + 16: mean = 136 / 13 = 10.4615; mean moving range = (22 + 5) / 12 = 2.25;
    # upper = 10.4615 + 5.985 = 16.4465 > 16, and two sigma 10.4615 + 3.99 = 14.45 has only
    # 16 beyond it of the last three: common cause.
    signal = _latest([*STEADY, 16])
    assert signal["variation"] == spc.COMMON
    assert signal["upper_limit"] == pytest.approx(136 / 13 + 2.66 * 2.25)


# --- a shift of 7 ----------------------------------------------------------------------------


def test_seven_months_on_one_side_of_the_mean_is_a_shift() -> None:
    # 12, 8 three times then 11 seven times: mean = (60 + 77) / 13 = 10.538, every 11 above
    # it, the 8 before them below. Moving ranges 4 × 5, 3, 0 × 6: mean 23 / 12 = 1.917,
    # upper = 10.538 + 5.098 = 15.64 and two sigma 13.94: no month beyond either.
    values = [12, 8] * 3 + [11] * 7
    chart = _chart(values)
    assert list(chart["special_cause"]) == [""] * 6 + ["improvement"] * 7
    signal = _latest(values)
    assert (signal["rule"], signal["run"]) == ("shift", 7)
    words = spc.pattern_words("shift", 7, 1, signal["mean"], "number")
    assert words == "7 months in a row above the average of 10.5"
    assert _latest(values, higher=False)["variation"] == spc.SPECIAL_CONCERN


def test_six_months_on_one_side_is_not_a_shift() -> None:
    # 8, 12, 8, 12, 8, 12, 8 then 11 six times: mean = (68 + 66) / 13 = 10.31, six 11s above
    # it after an 8 below; mean moving range (24 + 3) / 12 = 2.25, upper 16.29: common cause.
    values = [8, 12, 8, 12, 8, 12, 8] + [11] * 6
    assert set(_chart(values)["special_cause"]) == {""}
    assert _latest(values)["variation"] == spc.COMMON


def test_a_month_on_the_mean_breaks_a_shift() -> None:
    # 9, 11 six times (mean 10) then 10 then 11 six times: n = 19, mean = (120 + 10 + 66) / 19
    # = 10.316; the 10 sits below the mean, so the 11s run only six: no shift.
    values = [*STEADY, 10] + [11] * 6
    assert _latest(values)["variation"] == spc.COMMON


# --- a trend of 6 ----------------------------------------------------------------------------


def test_six_months_each_higher_than_the_last_is_a_trend() -> None:
    # 10, 12 x3, 10, then 9 .. 14: 9 -> 14 is six months, five rises (10 -> 9 is a fall).
    # mean = (76 + 69) / 13 = 11.154; mean moving range (2 × 6 + 1 + 5) / 12 = 1.5; upper
    # 11.154 + 3.99 = 15.14 and two sigma 13.81: only 14 beyond it; 11 is below the mean.
    values = [10, 12, 10, 12, 10, 12, 10, 9, 10, 11, 12, 13, 14]
    chart = _chart(values)
    assert list(chart["special_cause"]) == [""] * 7 + ["improvement"] * 6
    signal = _latest(values)
    assert (signal["rule"], signal["run"], signal["direction"]) == ("trend", 6, 1)
    assert spc.pattern_words("trend", 6, 1, 11.15, "number") == "6 months in a row rising"
    # falling is better (a caseload): the same rising trend is a concern
    assert _latest(values, higher=False)["variation"] == spc.SPECIAL_CONCERN


def test_five_rising_months_are_not_a_trend() -> None:
    # 10, 12 four times, then 10 .. 14: five months, four rises (12 -> 10 is a fall). mean =
    # (88 + 60) / 13 = 11.385, mean moving range (14 + 2 + 4) / 12 = 1.667, two sigma 14.34.
    values = [10, 12] * 4 + [10, 11, 12, 13, 14]
    assert _latest(values)["variation"] == spc.COMMON


def test_an_equal_month_breaks_a_trend() -> None:
    values = [10, 12, 10, 12, 10, 12, 10, 9, 10, 11, 11, 12, 13]  # 11, 11: no rise
    assert _latest(values)["rule"] != "trend"


# --- two of three beyond two sigma ------------------------------------------------------------


def test_two_of_three_months_beyond_two_sigma_on_one_side() -> None:
    # 10, 12 ten times then 15.5, 12.5, 15.5: mean = (220 + 43.5) / 23 = 11.457, all three
    # above it (the 12 before them too, the 10 before that below: a run of 4, no shift).
    # Moving ranges 2 × 19, 3.5, 3, 3: mean 47.5 / 22 = 2.159; two sigma 11.457 + 1.7733 ×
    # 2.159 = 15.29 (both 15.5s beyond, 12.5 not); upper 11.457 + 5.743 = 17.20 (none
    # outside).
    values = [10, 12] * 10 + [15.5, 12.5, 15.5]
    chart = _chart(values)
    # only the months beyond two sigma are marked, as Making Data Count marks them
    assert list(chart["special_cause"].iloc[-3:]) == ["improvement", "", "improvement"]
    assert set(chart["special_cause"].iloc[:-3]) == {""}
    signal = _latest(values)
    assert (signal["variation"], signal["rule"]) == (spc.SPECIAL_IMPROVEMENT, "two_of_three")
    assert _latest(values, higher=False)["variation"] == spc.SPECIAL_CONCERN


def test_one_of_three_beyond_two_sigma_is_not_a_signal() -> None:
    # 14 in place of the first 15.5: mean = 262 / 23 = 11.391; mean moving range (38 + 2 +
    # 1.5 + 3) / 22 = 2.023; two sigma 14.98 (14 inside it, 15.5 beyond), upper 16.77.
    values = [10, 12] * 10 + [14, 12.5, 15.5]
    assert _latest(values)["variation"] == spc.COMMON
    off = spc.SpcRules(two_of_three=False)
    assert _latest([10, 12] * 10 + [15.5, 12.5, 15.5], rules=off)["variation"] == spc.COMMON


# --- baselines ------------------------------------------------------------------------------


def test_a_rebase_starts_a_new_mean_and_new_limits() -> None:
    # 10, 11 three times (Jan-Jun 2021), then 20, 21 three times from the rebase (Jul 2021).
    values = [10, 11] * 3 + [20, 21] * 3
    rebased = spc.SpcRules(minimum=5, rebase_dates=(date(2021, 7, 15),))
    chart = _chart(values, rebased)
    # each segment: mean 10.5 (20.5), mean moving range 1, limits ± 2.66
    assert list(chart["mean"]) == [10.5] * 6 + [20.5] * 6
    assert chart["upper_limit"].iloc[0] == pytest.approx(13.16)
    assert chart["lower_limit"].iloc[-1] == pytest.approx(17.84)
    assert list(chart["segment"]) == [0] * 6 + [1] * 6
    assert set(chart["special_cause"]) == {""}
    # without the rebase, one baseline: mean 15.5, mean moving range (5 + 9 + 5) / 11 = 1.727,
    # upper 15.5 + 4.595 = 20.09: every 21 is outside it
    whole = _chart(values, spc.SpcRules(minimum=5))
    assert set(whole["special_cause"].iloc[7::2]) == {"improvement"}


def test_a_baseline_too_short_draws_no_limits() -> None:
    # eleven months, the default minimum is twelve
    chart = _chart([10, 11] * 5 + [30])
    assert chart["mean"].isna().all() and chart["upper_limit"].isna().all()
    assert set(chart["variation"]) == {spc.TOO_FEW}
    assert set(chart["special_cause"]) == {""}
    # a rebase leaves the new segment three months long: no limits there
    rebased = spc.SpcRules(rebase_dates=(date(2022, 1, 1),))
    chart = _chart([10, 11] * 6 + [20, 21, 20], rebased)
    assert chart["mean"].iloc[-3:].isna().all() and chart["mean"].iloc[0] == 10.5
    assert _latest([10, 11] * 6 + [20, 21, 20], rebased)["variation"] == spc.TOO_FEW


def test_a_flat_series_has_zero_width_limits_and_no_signal() -> None:
    # every month 50: mean 50, every moving range 0, limits 50 to 50; no month is above or
    # below the mean (a month on the mean breaks a shift), nothing is outside.
    chart = _chart([50.0] * 14)
    assert set(chart["lower_limit"]) == {50.0} and set(chart["upper_limit"]) == {50.0}
    assert set(chart["variation"]) == {spc.COMMON}
    kw = {"unit": "percent", "higher_better": True}
    assert spc.assurance(50.0, 50.0, 50.0, **kw) == spc.MEETS
    assert spc.assurance(50.0, 50.0, 51.0, **kw) == spc.FAILS


def test_each_month_is_judged_on_the_months_up_to_it() -> None:
    # The as-at reading of month 13 (20 after the steady months) is outside its limits;
    # month 12 (11), judged on months 1-12 only (mean 10, mean moving range 2, upper 15.32),
    # is common cause, and months 1-11 have too few months to judge.
    frame = _series([*STEADY, 20])
    judged = spc.signals(frame, ["kpi", "team"], higher_better=True, rules=RULES)
    assert list(judged["variation"].iloc[:11]) == [spc.TOO_FEW] * 11
    assert judged["variation"].iloc[11] == spc.COMMON
    assert judged["mean"].iloc[11] == 10 and judged["upper_limit"].iloc[11] == 10 + 2.66 * 2
    assert judged["variation"].iloc[12] == spc.SPECIAL_IMPROVEMENT


def test_many_series_at_once_are_judged_each_on_its_own() -> None:
    up = _series([*STEADY, 20])
    down = _series([*STEADY, 20]).assign(team="B")
    both = pd.concat([down, up], ignore_index=True)
    polarity = {"k": True}
    judged = spc.signals(both, ["kpi", "team"], higher_better=polarity, rules=RULES)
    assert judged["variation"].iloc[12] == judged["variation"].iloc[25] == spc.SPECIAL_IMPROVEMENT
    assert judged["variation"].iloc[11] == spc.COMMON


# --- assurance --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "higher", "expected"),
    [
        (7.0, True, spc.MEETS),  # the whole band 7.84-13.16 is above 7
        (8.0, True, spc.HIT_AND_MISS),  # 8 lies inside it
        (14.0, True, spc.FAILS),  # the whole band is below 14
        (14.0, False, spc.MEETS),  # lower is better: the band is at or below 14
        (7.0, False, spc.FAILS),
        (None, True, spc.NO_TARGET),
    ],
)
def test_assurance_from_the_limits_against_the_target(target, higher, expected) -> None:
    assert spc.assurance(7.84, 13.16, target, unit="number", higher_better=higher) == expected


def test_the_words_say_what_the_icons_mean() -> None:
    text = spc.assurance_sentence(
        spc.HIT_AND_MISS, target=95, lower=80.1, upper=97.3, unit="percent", higher_better=True
    )
    assert (
        text == "Hit and miss: the target of 95.0% lies inside the process limits (80.1% to 97.3%)"
    )
    assert spc.variation_icon(spc.SPECIAL_IMPROVEMENT, -1) == "↓"
    assert spc.variation_icon(spc.COMMON, 0) == "∿"


def test_the_council_settings_are_read_strictly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spc:`` in council.yaml: known keys and types only, lengths a pattern can have, and
    rebase dates of declared KPIs (each mistake refused with the key named)."""
    base = yaml.safe_load(Path("config/council.yaml").read_text(encoding="utf-8"))

    def written(spc_block: dict):
        path = tmp_path / f"council{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump({**base, "spc": spc_block}), encoding="utf-8")
        return path

    good = load_config(written({"trend_months": 7, "rebase_dates": [date(2021, 1, 1)]}))
    assert good.spc.trend == 7 and good.spc.shift == 7  # the rest keep their defaults
    assert good.spc.rebases("visits_in_time_pct") == (date(2021, 1, 1),)
    for bad, named in (
        ({"trend_length": 6}, "trend_length"),
        ({"shift_months": 2}, "shift_months"),
        ({"minimum_months": "twelve"}, "minimum_months"),
        ({"rebase_dates": ["2021-01-01"]}, "rebase_dates"),
    ):
        with pytest.raises(ValueError, match=named):
            load_config(written(bad))
    monkeypatch.setenv("CSC_CONFIG", str(written({"kpi_rebase_dates": {"no_such_kpi": []}})))
    with pytest.raises(ValueError, match="no_such_kpi"):
        declarations()
