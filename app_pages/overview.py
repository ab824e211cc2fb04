"""Overview: what needs attention first, then one tile per headline KPI, then what changed.

"Needs attention" is the exceptions-first summary (``metrics.summary``): every measure off
track or at risk, whether or not it has a tile, so nothing red is missing. "What changed"
lists only real changes (a measure that went off track or recovered), the council before its
teams, at most eight lines.

Team names in "What changed" come from the councils' files, so they are written with
``ui.layout.plain``: a team named ``[click](http://x)`` is shown as typed, not as a link.
"""

from __future__ import annotations

import streamlit as st

from charts.sparkline import sparkline_range, sparkline_svg
from metrics import api, comparison
from metrics.config import load_config
from metrics.formatting import count_text, format_value, uk_month
from metrics.summary import shortened, status_changes, summary
from ui.layout import change_text, kpi_tile, plain
from ui.navigation import area_page_path
from ui.state import as_at_month, current_db, month_key
from ui.summary import summary_table

TILES_PER_ROW = 4
SPARKLINE_MONTHS = 12

db = current_db()
month = as_at_month()
# Short enough for one line at 1366 px, so the first row of tiles is on screen unscrolled.
st.title("Children's social care at a glance")
if month is None:
    st.info("No returns are loaded yet, so there is nothing to show.")
    st.stop()

loaded = sorted(m for m in api.months(db) if month_key(m) <= month_key(month))
previous = loaded[-2] if len(loaded) > 1 else None
headline = api.headline(db, month)
area_titles = {area.id: area.title for area in api.areas()}
history = api.kpi_values(
    db, list(headline["kpi"]), months=loaded[-SPARKLINE_MONTHS:], teams=["ALL"]
).sort_values("month")

since = f" Changes are on {uk_month(previous)}." if previous is not None else ""
st.caption(
    f"{plain(load_config().council_name)}, whole council, as at {uk_month(month)}.{since} "
    "Select a tile's link for its area page."
)
state = summary(db, month)
st.subheader(f"Needs attention: {state.headline}")
if state.exceptions:
    st.html(summary_table(state.exceptions, f"Measures off track or at risk, {uk_month(month)}"))
else:
    st.markdown(f"Every measure is on track in {uk_month(month)}.")
st.subheader("Headline measures")
for start in range(0, len(headline), TILES_PER_ROW):
    columns = st.columns(TILES_PER_ROW)
    tiles = headline.iloc[start : start + TILES_PER_ROW].itertuples()
    for column, row in zip(columns, tiles, strict=False):
        kpi = api.kpi(row.kpi)
        trend = history[history["kpi"] == row.kpi]
        with column:
            kpi_tile(
                title=kpi.short_title,
                value=format_value(row.value, row.unit),
                change=change_text(row.value, row.previous_value, row.unit)
                if previous is not None
                else None,
                status=row.status,
                icon=row.icon,
                reason=row.reason,
                sparkline=sparkline_svg(
                    list(trend["month"]),
                    list(trend["value"]),
                    unit=row.unit,
                    status=row.status,
                    threshold=row.threshold,
                    label=f"Trend of {kpi.short_title} over recent months.",
                ),
                spark_range=sparkline_range(
                    list(trend["month"]), list(trend["value"]), row.unit, row.threshold
                ),
                count=count_text(row.numerator, row.denominator) if row.unit == "percent" else None,
                link=area_page_path(kpi.area),
                link_label=f"Open {area_titles[kpi.area]}",
                help=kpi.description,
                key=f"spark:{row.kpi}",
                comparison=comparison.england_position(db, row.kpi, month),
                process=api.process(db, row.kpi, month).label(),
            )

st.subheader(f"What changed since {uk_month(previous)}" if previous is not None else "What changed")
changes = shortened(status_changes(db, month, previous)) if previous is not None else []
if changes:
    st.markdown("\n".join(f"- {plain(line)}" for line in changes))
else:
    st.markdown(
        "No earlier month to compare with."
        if previous is None
        else "No measure went off track or recovered."
    )
