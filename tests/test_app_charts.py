"""The chart builders: what each figure draws, and that status never rests on colour alone."""

from __future__ import annotations

import base64
from datetime import date
from html.parser import HTMLParser

import pandas as pd

from charts.export import to_csv_bytes
from charts.palette import OKABE_ITO, STATUS_COLOURS, status_colour, status_key
from charts.sparkline import sparkline_range, sparkline_svg, sparkline_svg_markup
from charts.tables import team_heat_table, team_table_rows, trend_table, trend_table_rows
from charts.trend import trend_figure
from metrics.formatting import format_value, uk_date, uk_month

MONTHS = [date(2021, 1, 1), date(2021, 2, 1), date(2021, 3, 1)]


def _series() -> pd.DataFrame:
    council = pd.DataFrame(
        {
            "month": MONTHS,
            "line": "Whole council",
            "value": [70.0, 80.0, 90.0],
            "threshold": [85.0, 85.0, 90.0],
        }
    )
    team = council.assign(line="North", value=[60.0, float("nan"), 95.0])
    return pd.concat([council, team], ignore_index=True)


def test_trend_draws_council_team_threshold_and_target_date() -> None:
    fig = trend_figure(
        _series(), title="Visits in time", unit="percent", target_date=date(2021, 3, 31)
    )
    names = [trace.name for trace in fig.data]
    assert names == ["Whole council", "North", "Target"]
    council, team, threshold = fig.data
    assert list(council.y) == [70.0, 80.0, 90.0]
    # The threshold follows the council rows month by month (it rose to 90 in March).
    assert list(threshold.y) == [85.0, 85.0, 90.0]
    # Lines differ by dash and marker as well as colour.
    assert council.line.dash != team.line.dash
    assert council.marker.symbol != team.marker.symbol
    # Hover text is formatted by the metrics layer, in UK month names.
    assert list(council.customdata[2]) == [uk_month(MONTHS[2]), format_value(90.0, "percent")]
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].type == "line"
    # 31 March 2021 ends the last month shown: passed, and drawn inside the axis.
    assert fig.layout.annotations[0].text == (f"Target date {uk_date(date(2021, 3, 31))} — passed")
    assert fig.layout.title.text == "Visits in time"


def test_trend_without_threshold_or_target_draws_only_lines() -> None:
    series = _series().assign(threshold=float("nan"))
    fig = trend_figure(series, title="Caseload", unit="number")
    assert [t.name for t in fig.data] == ["Whole council", "North"]
    assert not fig.layout.shapes


class _Table(HTMLParser):
    """A drawn HTML table as a screen reader meets it: caption, and each row's cells as
    ``(tag, scope, text)`` where text is what is shown (entities decoded, tags dropped)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.caption, self.rows, self.tags = "", [], []
        self._cell: list | None = None
        self._in_caption = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = [tag, dict(attrs).get("scope"), "", dict(attrs).get("title")]
        elif tag == "caption":
            self._in_caption = True
        elif tag == "br" and self._cell is not None:
            self._cell[2] += "\n"

    def handle_endtag(self, tag) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell[2] += data
        elif self._in_caption:
            self.caption += data


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": [MONTHS[0], MONTHS[1], MONTHS[0]],
            "team": ["North", "North", "South"],
            "value": [78.57, 70.0, float("nan")],
            "status": ["on_track", "off_track", "no_data"],
            "icon": ["✔", "✖", ""],
            "numerator": [11, 2, None],
            "denominator": [14, 3, None],
        }
    )


def test_team_heat_table_has_row_and_column_headers_and_value_icon_and_words() -> None:
    table = _Table(team_heat_table(_cells(), title="By team", unit="percent"))
    assert table.caption == "By team"
    header, north, south = table.rows
    assert [(tag, scope) for tag, scope, _, _ in header] == [("th", "col")] * 3
    # Newest month first: the as-at month is the first column on any screen.
    assert [text for _, _, text, _ in header] == ["Team", "Feb 2021", "Jan 2021"]
    assert north[0][:3] == ("th", "row", "North") and south[0][:3] == ("th", "row", "South")
    # Each cell: the value, the status icon and (for screen readers) the status in words.
    first = north[2][2]
    assert first.startswith(f"{format_value(78.57, 'percent')} ✔, on track")
    assert north[1][2].startswith(f"{format_value(70.0, 'percent')} ✖, off track")
    # South has no February row at all: the cell says so rather than being blank.
    assert south[1][2] == "–, no data"
    assert "no data" in south[2][2]
    assert "Plotly" not in repr(table.tags) and "table" in table.tags


def test_every_percentage_cell_carries_the_count_behind_it() -> None:
    table = _Table(team_heat_table(_cells(), title="By team", unit="percent"))
    north = table.rows[1]
    assert north[2][2].split("\n")[1] == "11 of 14"
    assert north[2][3] == f"North, {uk_month(MONTHS[0])}: 78.6% (11 of 14), on track"
    # Under five cases the cell says so.
    assert north[1][2].split("\n")[1] == "few cases: 2 of 3"
    # A count is not a percentage: no counts printed under it.
    counts = _Table(team_heat_table(_cells(), title="t", unit="count"))
    assert "\n" not in counts.rows[1][1][2]


HOSTILE = ["![x](http://evil)", '<a href="http://evil">click</a>', "**bold** & <b>", "=1+1"]


def test_a_team_name_with_markdown_or_html_is_shown_as_literal_text() -> None:
    for name in HOSTILE:
        cells = _cells().assign(team=lambda f, n=name: f["team"].replace("North", n))
        markup = team_heat_table(cells, title="By team", unit="percent")
        table = _Table(markup)
        assert table.rows[1][0][2] == name  # the row header reads exactly as typed
        assert "a" not in table.tags and "img" not in table.tags and "b" not in table.tags
        # Nothing Markdown could act on is left raw either (entities for [ ] ( ) ! * _).
        assert "](" not in markup and "**" not in markup and "<a " not in markup
        trend = trend_table(_series().replace("North", name), title="t", unit="percent")
        assert _Table(trend).rows[0][2][2] == name
        assert "a" not in _Table(trend).tags


def test_team_table_csv_rows_are_aggregates_with_counts_and_status() -> None:
    rows = team_table_rows(_cells(), "percent")
    assert list(rows.columns) == ["Team", "Month", "Value", "Counted", "Of", "Status"]
    assert rows.iloc[0].to_dict() == {
        "Team": "North",
        "Month": "2021-01",
        "Value": 78.57,
        "Counted": 11,
        "Of": 14,
        "Status": "on track",
    }
    csv = to_csv_bytes(team_table_rows(_cells().assign(team="=1+1"), "percent"))
    assert "'=1+1" in csv.decode("utf-8-sig")  # formula-guarded by charts.export


def test_trend_table_is_months_by_line_with_counts_and_threshold() -> None:
    series = _series().assign(numerator=[7, 8, 9, 6, None, 19], denominator=[10, 10, 10, 10, 0, 20])
    table = _Table(trend_table(series, title="Visits: figures by month", unit="percent"))
    header, *rows = table.rows
    assert [t for _, _, t, _ in header] == ["Month", "Whole council", "North", "Threshold"]
    assert all(scope == "col" for _, scope, _, _ in header)
    assert [r[0][:3] for r in rows] == [("th", "row", uk_month(m)) for m in MONTHS]
    assert [c[2] for c in rows[0][1:]] == ["70.0% (7 of 10)", "60.0% (6 of 10)", "85.0%"]
    assert rows[1][2][2] == "no data"  # North's February is missing, not blank
    flat = trend_table_rows(series, "percent")
    assert list(flat.columns) == ["Line", "Month", "Value", "Counted", "Of", "Threshold"]
    assert len(flat) == len(series)


def test_status_colours_are_okabe_ito_and_distinct() -> None:
    shown = [status_colour(s) for s in ("on track", "At risk", "off_track")]
    assert len(set(shown)) == 3
    assert set(shown) <= set(OKABE_ITO.values())
    assert status_key("nonsense") == "no_data"


def data_fill(fig, lines=("Whole council", "North")) -> float:
    """The share of the value axis's height that the drawn lines' values span."""
    values = [v for t in fig.data if t.name in lines for v in t.y if v is not None and v == v]
    low, high = fig.layout.yaxis.range
    return (max(values) - min(values)) / (high - low)


def _one_line(values: list[float], threshold: float, months: int = 12) -> pd.DataFrame:
    start = pd.Timestamp("2021-04-01")
    return pd.DataFrame(
        {
            "month": [(start + pd.DateOffset(months=i)).date() for i in range(months)],
            "line": "Whole council",
            "value": values,
            "threshold": threshold,
        }
    )


def test_value_axis_is_fitted_to_the_data_and_a_zero_threshold_shows() -> None:
    # Supervision-like figures between 1.9% and 3.2% against a target of 0%: on a 0–105%
    # axis they used 3% of the height. The data span 1.3 points; with the threshold at 0 the
    # range is 0–3.2 and the data keep 1.3 / 3.2 = 41% > 40%, so it is drawn; 12% margins
    # make it -0.384–3.584, where the data fill 1.3 / 3.968 = 33%.
    values = [1.9, 2.4, 3.2, 2.8, 2.0, 2.2, 2.5, 2.6, 3.0, 2.1, 1.9, 2.3]
    fig = trend_figure(_one_line(values, 0.0), title="t", unit="percent")
    low, high = fig.layout.yaxis.range
    assert low < 0 < 1.9 and high > 3.2  # zero sits inside the plot, not on its edge
    assert high - low < 5  # not 0–105
    assert data_fill(fig, ("Whole council",)) >= 0.30
    assert "Target" in [t.name for t in fig.data]


def test_a_threshold_far_from_the_data_is_named_at_the_edge_not_squashing_the_data() -> None:
    # 60–65% against a floor of 100%: including 100 would leave the data 5 / 40 = 12.5%.
    values = [60.0, 61, 62, 63, 64, 65, 64, 63, 62, 61, 60, 65]
    fig = trend_figure(_one_line(values, 100.0), title="t", unit="percent")
    assert fig.layout.yaxis.range[1] < 100
    assert data_fill(fig, ("Whole council",)) >= 0.30
    notes = [a.text for a in fig.layout.annotations]
    assert "↑ Target 100.0%: above this range" in notes


def test_counts_get_whole_number_ticks() -> None:
    fig = trend_figure(_one_line([0, 1, 2, 1, 0, 3] * 2, 0.0), title="t", unit="count")
    assert fig.layout.yaxis.tickformat == ",d" and float(fig.layout.yaxis.dtick).is_integer()


def test_time_axis_is_the_chosen_period_and_a_passed_date_is_an_edge_note() -> None:
    series = _one_line([50.0 + i for i in range(12)], 60.0)
    fig = trend_figure(series, title="t", unit="percent", target_date=date(2020, 3, 31))
    low, high = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    first, last = pd.Timestamp(series["month"].min()), pd.Timestamp(series["month"].max())
    assert first - pd.Timedelta(days=16) <= low and high <= last + pd.Timedelta(days=16)
    assert not fig.layout.shapes  # no line drawn years to the left
    assert "← Target date 31 March 2020 — passed" in [a.text for a in fig.layout.annotations]


def test_sparkline_draws_the_threshold_and_states_its_range() -> None:
    # 80–90% against 95%: the range with the threshold is 80–95 (15 points), so the data
    # keep 10 / 15 = 67% of the height and the dotted threshold line is drawn inside it.
    months = MONTHS
    svg = sparkline_svg_markup(months, [80.0, 85.0, 90.0], unit="percent", threshold=95.0)
    assert svg.count("stroke-dasharray") == 1
    assert sparkline_range(months, [80.0, 85.0, 90.0], "percent", 95.0) == (
        "3 months from 80.0% to 90.0%; threshold 95.0% (dotted)."
    )


def test_hover_carries_the_counts_behind_a_percentage() -> None:
    series = _series().assign(numerator=[7, 8, 9, 6, None, 19], denominator=[10, 10, 10, 10, 0, 20])
    fig = trend_figure(series, title="t", unit="percent")
    assert fig.data[0].customdata[0][1] == "70.0% (7 of 10)"


def test_sparkline_svg_draws_line_threshold_and_latest_point_without_plotly() -> None:
    svg = sparkline_svg_markup(
        MONTHS, [80.0, 85.0, 90.0], unit="percent", status="off track", threshold=95.0,
        label="Trend of <b>x</b>",
    )  # fmt: skip
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Trend of &#60;b&#62;x&#60;/b&#62;"' in svg  # escaped text alternative
    assert "stroke-dasharray" in svg  # the threshold fits the range (as in the Plotly one)
    assert STATUS_COLOURS["off_track"] in svg
    # A threshold far off is left out of the picture; sparkline_range names it instead.
    far = sparkline_svg_markup(MONTHS, [1.0, 2.0, 3.0], unit="percent", threshold=95.0)
    assert "stroke-dasharray" not in far
    assert "off the chart" in sparkline_range(MONTHS, [1.0, 2.0, 3.0], "percent", 95.0)
    assert "<path" not in sparkline_svg_markup([], [], unit="count")
    # On the page it is an <img> (st.html drops inline SVG) with the label as its alt text.
    img = sparkline_svg(MONTHS, [1.0, 2.0, 3.0], unit="count", label="Trend [x](y)")
    assert img.startswith('<img class="csc-spark" src="data:image/svg+xml;base64,')
    assert 'alt="Trend &#91;x&#93;&#40;y&#41;"' in img
    encoded = img.split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded).decode() == sparkline_svg_markup(
        MONTHS, [1.0, 2.0, 3.0], unit="count", label="Trend [x](y)"
    )


def _bench(periods: list[tuple[str, date, date, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": "England",
            "area_type": "ENGLAND",
            "period": [p for p, *_ in periods],
            "period_start": [s for _, s, _, _ in periods],
            "period_end": [e for _, _, e, _ in periods],
            "value": [v for *_, v in periods],
            "illustrative": False,
            "source": "DfE",
            "used": 1,
        }
    )


def test_an_annual_benchmark_is_drawn_as_points_one_a_year_not_a_line() -> None:
    months = [(pd.Timestamp("2020-01-01") + pd.DateOffset(months=i)).date() for i in range(24)]
    series = _one_line([80.0 + i % 5 for i in range(24)], 85.0, months=24).assign(month=months)
    bench = _bench(
        [
            ("2019-20", date(2019, 4, 1), date(2020, 3, 31), 84.0),
            ("2020-21", date(2020, 4, 1), date(2021, 3, 31), 83.0),
            ("2021-22", date(2021, 4, 1), date(2022, 3, 31), 82.0),
        ]
    )
    fig = trend_figure(series, title="t", unit="percent", benchmarks=bench)
    england = next(t for t in fig.data if t.name == "England")
    assert england.mode == "markers"  # no line joining or stepping across the year
    # One point per year, in the month its year ends (2021-22 ends after the last month
    # shown, December 2021, so its point sits at that edge).
    assert list(england.x) == [
        pd.Timestamp("2020-03-01"),
        pd.Timestamp("2021-03-01"),
        pd.Timestamp("2021-12-01"),
    ]
    assert list(england.y) == [84.0, 83.0, 82.0]
    assert "2020-21" in england.customdata[1]


def test_a_team_name_is_literal_text_in_the_trend_legend() -> None:
    """Plotly draws ``<a href>`` in a trace name as a working link: the name is escaped, so
    the legend shows the characters as typed and makes no link."""
    hostile = '<a href="http://example.invalid">North</a>'
    series = _series().replace({"line": {"North": hostile}})
    fig = trend_figure(series, title="t", unit="percent")
    names = [t.name for t in fig.data]
    assert "&lt;a href=&quot;http://example.invalid&quot;&gt;North&lt;/a&gt;" in names
    assert hostile not in names
