"""The trend chart drawn as static SVG (``charts.static``) from the same figure Plotly draws.

Each test builds a small trend with ``charts.trend.trend_figure`` and reads the SVG back as
XML, so what is asserted is what a browser would draw.
"""

from __future__ import annotations

import base64
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date

import pandas as pd
import pytest

from charts.static import _month_ticks, _value_ticks, figure_img, figure_svg, text_width
from charts.trend import trend_figure

NS = {"s": "http://www.w3.org/2000/svg"}


def _series(values: list[float | None], line: str = "Whole council", threshold: float = 75.0):
    months = pd.date_range("2021-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"month": months, "line": line, "value": values, "threshold": threshold})


def _svg(fig, **kw) -> ET.Element:
    return ET.fromstring(figure_svg(fig, label="Visits trend", **kw))


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_every_month_with_a_figure_has_a_marker_and_a_gap_breaks_the_line():
    # Six months, the fourth missing: five circles, and the council's line in two pieces
    # (months 1-3 and 5-6), as Plotly draws with connectgaps=False.
    fig = trend_figure(_series([50, 55, 60, None, 70, 72]), title="Visits", unit="percent")
    root = _svg(fig)
    plot = root.find("s:g[@clip-path]", NS)
    assert len(plot.findall("s:circle", NS)) == 5
    council = [p for p in plot.findall("s:path", NS) if p.get("stroke") == "#0072B2"]
    assert len(council) == 2
    assert council[0].get("d").count("L") == 2  # three points: two segments
    assert council[1].get("d").count("L") == 1


def test_the_threshold_is_a_dotted_step_and_the_value_axis_is_labelled_in_percent():
    fig = trend_figure(_series([50, 55, 60]), title="Visits", unit="percent")
    root = _svg(fig)
    threshold = [
        p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("stroke") == "#000000"
    ]
    assert threshold and "H" in threshold[0].get("d")  # a step: across, then up or down
    assert threshold[0].get("stroke-dasharray")  # dotted
    labels = [t for t in _texts(root) if t.endswith("%")]
    assert labels and all(re.fullmatch(r"\d+%", t) for t in labels)
    low, high = fig.layout.yaxis.range
    assert all(low <= float(t[:-1]) <= high for t in labels)


def test_title_legend_notes_and_a_team_name_are_text_escaped():
    team = "Team <b>A</b> & Co"
    frame = pd.concat([_series([50, 55, 60]), _series([40, 45, 50], line=team)])
    fig = trend_figure(frame, title="Visits: trend", unit="percent", target_date=date(2021, 2, 15))
    markup = figure_svg(fig, label="Visits trend")
    assert "<b>" not in markup
    texts = _texts(ET.fromstring(markup))
    assert "Visits: trend" in texts
    assert {"Whole council", "Target"} <= set(texts)
    assert any("Team" in t and "&" in t for t in texts)  # shown as written, not as markup
    assert any(t.startswith("Target date 15 February 2021") for t in texts)


def test_month_labels_are_few_round_and_inside_the_axis():
    # 36 months (April 2019 - March 2022): at most six labels, a round number of months apart.
    ticks = _month_ticks(
        pd.Timestamp("2019-03-17").value / 86_400e9, pd.Timestamp("2022-03-16").value / 86_400e9, 6
    )
    assert 3 <= len(ticks) <= 6
    gaps = {(b.year - a.year) * 12 + b.month - a.month for a, b in itertools.pairwise(ticks)}
    assert len(gaps) == 1 and gaps.pop() in (6, 12)
    assert ticks[0] >= pd.Timestamp("2019-03-17") and ticks[-1] <= pd.Timestamp("2022-03-16")


def test_value_ticks_follow_the_figure_step():
    class Axis:
        dtick, tick0 = 5, 0

    # A count axis 3..27 with dtick 5: 5, 10, 15, 20, 25.
    assert _value_ticks(Axis, 3, 27) == [5, 10, 15, 20, 25]


def test_the_legend_wraps_instead_of_running_off_the_right_edge():
    names = [f"Team with a long name {i}" for i in range(5)]
    frame = pd.concat([_series([50, 55, 60], line=n) for n in names])
    fig = trend_figure(frame, title="Visits", unit="percent")
    width = 500
    root = _svg(fig, width=width)
    legend = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text in names[:2]]
    for t in legend:
        assert float(t.get("x")) + text_width(t.text, float(t.get("font-size"))) <= width
    rows = {
        t.get("y")
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if t.text == "Target" or t.text in names[:2]
    }
    assert len(rows) >= 2


@pytest.mark.parametrize("font_size", [15, 24])
def test_month_labels_sit_between_the_plot_and_the_legend(font_size):
    fig = trend_figure(
        _series([50, 55, 60, 65]), title="Visits", unit="percent", font_size=font_size, height=520
    )
    root = _svg(fig)
    texts = list(root.iter("{http://www.w3.org/2000/svg}text"))
    month = [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t.text or "")]
    legend = [t for t in texts if t.text in ("Whole council", "Target")]
    axis_bottom = max(
        float(p.get("d").split(",")[1].split("H")[0])
        for p in root.findall("s:path", NS)
        if p.get("stroke") == "#BBBBBB" and "H" in p.get("d")
    )
    for m in month:
        baseline = float(m.get("y"))
        assert baseline - font_size > axis_bottom  # the label's top is below the axis line
        for item in legend:
            assert float(item.get("y")) - font_size > baseline  # the legend is below it


def test_the_img_is_accessible_and_scales_with_its_column():
    fig = trend_figure(_series([50, 55]), title="Visits", unit="percent")
    tag = figure_img(fig, label='Visits "in timescale" 55%')
    assert 'alt="Visits &quot;in timescale&quot; 55%"' in tag
    assert "width:100%;max-width:" in tag and "height:auto" in tag
    markup = base64.b64decode(re.search(r"base64,([^\"]+)", tag)[1]).decode()
    root = ET.fromstring(markup)
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == 'Visits "in timescale" 55%'
