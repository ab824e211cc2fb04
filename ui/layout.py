"""Layout helpers every page uses: style, banners, the "as at" picker, status badges, tiles.

Status is always shown as an icon plus words ("✔ On track"), with colour only as a third cue.
Numbers and dates arrive already formatted by ``metrics.formatting``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.formatting import format_value, rounded, uk_date, uk_month
from ui.charts import status_colour, status_key
from ui.state import AS_AT_KEY, month_key

#: How often a visitor's page shows the demo build's progress.
DEMO_POLL_S = 0.5

STATUS_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data",
}

_CSS = """
<style>
.csc-badge {display:inline-block; padding:0.1rem 0.6rem; border-radius:1rem; font-weight:600;
  border:2px solid var(--csc-colour); background:color-mix(in srgb, var(--csc-colour) 18%, white);
  color:#1A1A1A; white-space:nowrap;}
.csc-reason {color:#444; font-size:0.9rem;}
.csc-count {color:#1A1A1A; font-size:1rem; margin-top:-0.6rem;}
div[data-testid="stMetricValue"] {font-size:2.1rem;}
@media (min-width: 2000px) { html {font-size: 20px;} }
</style>
"""


def apply_style() -> None:
    """A little CSS for badges and tiles, scaled up on large shared screens."""
    st.html(_CSS)


def status_words(status: object) -> str:
    """The plain-English name of a status."""
    return STATUS_WORDS[status_key(status)]


def status_badge_html(status: object, icon: str) -> str:
    """An inline badge: icon and words, outlined in the status colour."""
    key = status_key(status)
    colour = status_colour(key)
    label = escape(f"{icon} {STATUS_WORDS[key]}".strip())
    return f'<span class="csc-badge" style="--csc-colour:{colour}">{label}</span>'


def status_badge(status: object, icon: str, reason: str | None = None) -> None:
    """Draw a status badge, with the reason for it in words beside it."""
    text = status_badge_html(status, icon)
    if reason:
        text += f' <span class="csc-reason">{escape(reason)}</span>'
    st.markdown(text, unsafe_allow_html=True)


def change_text(
    now: float, before: float, unit: str, before_month: date | None = None
) -> str | None:
    """The change on an earlier month in words: "Up 2.0 points on April 2021".

    The change is worked out on the figures as shown, so 80.04% after 80.0% is "No change",
    never "Up 0.0 points". Without ``before_month`` the month is left to a caption nearby,
    for tiles too narrow to hold it.
    """
    if pd.isna(now) or pd.isna(before):
        return None
    diff = rounded(now, unit) - rounded(before, unit)
    when = f" on {uk_month(before_month)}" if before_month is not None else ""
    if diff == 0:
        return f"No change{when}"
    size = format_value(abs(diff), unit)
    if unit == "percent":
        size = size.replace("%", " points")
    return f"{'Up' if diff > 0 else 'Down'} {size}{when}"


def as_at_picker(months: Sequence[object]) -> date | None:
    """The sidebar "as at" month, shared by every page and bound to the ``as_at`` URL parameter.

    Months are offered newest first; the default is the latest loaded month.
    """
    options = sorted({month_key(m) for m in months}, reverse=True)
    if not options:
        st.sidebar.info("No returns are loaded yet.")
        return None
    chosen = st.sidebar.selectbox(
        "As at month",
        options,
        format_func=lambda iso: uk_month(date.fromisoformat(iso)),
        key=AS_AT_KEY,
        bind="query-params",
        help="Every page shows figures as at the end of this month.",
    )
    return date.fromisoformat(chosen)


def data_banners(
    kind: str | None,
    last_loaded: datetime | None,
    month: date | None,
    missing: Sequence[str],
    replaced: Sequence[str] = (),
    board_date: date | None = None,
) -> None:
    """Say whose data this is, when it was last loaded, which returns the month lacks, and
    which were replaced after the board last met (so its pack may show other figures)."""
    if kind == "demo":
        st.info(
            "Demo data for a fictional council (Northmoor). No real children or staff.",
            icon=":material/science:",
        )
    if last_loaded is not None:
        st.caption(f"Data last loaded {uk_date(last_loaded)} at {last_loaded:%H:%M}.")
    if month is not None and missing:
        names = ", ".join(missing)
        st.warning(
            f"Missing for {uk_month(month)}: the {names} return{'s' if len(missing) > 1 else ''}"
            " has not been loaded, so figures that use it show no data.",
            icon=":material/warning:",
        )
    if month is not None and replaced and board_date is not None:
        names = ", ".join(replaced)
        st.warning(
            f"Changed since the board met on {uk_date(board_date)}: the {names} "
            f"return{'s' if len(replaced) > 1 else ''} for {uk_month(month)} "
            f"{'were' if len(replaced) > 1 else 'was'} replaced, so figures may differ from "
            "the board pack.",
            icon=":material/history:",
        )


def kpi_tile(
    *,
    title: str,
    value: str,
    change: str | None,
    status: object,
    icon: str,
    reason: str | None,
    sparkline: go.Figure | None,
    link: str | None = None,
    link_label: str | None = None,
    help: str | None = None,
    key: str | None = None,
    count: str | None = None,
    spark_range: str | None = None,
) -> None:
    """One bordered tile: the value, its change in words, the status badge and a sparkline.

    The change is shown without a red/green arrow colour (it is not colour-blind safe and
    "up" is good for some measures and bad for others); the badge says whether it is good.
    No arrow either: Streamlit draws it from a leading minus sign, so "Down 2.5 points"
    showed an up arrow. The words say which way it went. ``count`` is the counts behind a
    percentage ("11 of 14"), printed right under it; ``spark_range`` says the sparkline's
    range and threshold in words, since it has no axis.
    """
    with st.container(border=True):
        st.metric(
            title,
            value,
            delta=change,
            delta_color="off",
            delta_arrow="off",
            help=help,
        )
        if count:
            st.markdown(f'<div class="csc-count">({escape(count)})</div>', unsafe_allow_html=True)
        status_badge(status, icon, reason)
        if sparkline is not None:
            st.plotly_chart(
                sparkline,
                key=key,
                config={"displayModeBar": False, "staticPlot": True},
                alt=f"Trend of {title} over recent months. {spark_range or ''}".strip(),
            )
            if spark_range:
                st.caption(spark_range)
        if link:
            st.page_link(link, label=link_label or f"See {title}", icon=":material/arrow_forward:")


def wait_for_demo(db: Path) -> None:
    """First start with no complete store: show the demo build's progress until it is done.

    The build runs in the server process (``etl.first_start``), not in this session, so a
    reload or a second visitor watches the same build; when it is done the page reruns.
    """
    from etl.first_start import start

    build = start(db)
    st.markdown("**Building demo data for a fictional council (Northmoor)…**")
    st.caption(
        "This happens once, on the first start. Everyone who opens the app meanwhile sees it."
    )
    bar = st.progress(build.fraction, text=build.message)
    while not build.finished.wait(DEMO_POLL_S):
        bar.progress(build.fraction, text=build.message)
    if build.error:
        st.error(f"Building the demo data failed: {build.error}. Reload the page to try again.")
        st.stop()
    st.rerun()
