"""Board mode: one area at a time, readable on a projector from the back of the room.

Large type (the headline figure is 96 px), the trend against threshold and target date with
its projection, the status in words and icon, and the teams furthest off track. Previous and
next step through the areas; auto-advance moves on by itself. The "as at" month is the
shared one from the sidebar; "compare with" defaults to the last board meeting's month.
Every figure is the metrics layer's, and the pack to take away is built by the same code as
``python -m reports board-pack``.
"""

from __future__ import annotations

import time
from datetime import date
from html import escape
from pathlib import Path

import streamlit as st

from metrics import api
from metrics.formatting import format_value, uk_month
from metrics.narrative import change_phrase, kpi_sentences, worst_teams
from metrics.suppression import SHOW_ALL
from reports.content import area_trend_figure
from reports.meetings import compare_month
from reports.pack import MIME, pack_bytes
from ui.layout import status_badge
from ui.state import as_at_month, current_db, month_key

AREA_KEY = "board:area"
ADVANCED_AT_KEY = "board:advanced_at"
ADVANCE_SECONDS = 30
FIGURE_PX = 96

_CSS = f"""
<style>
.csc-board-figure {{font-size:{FIGURE_PX}px; font-weight:700; line-height:1.05;}}
.csc-board-label {{font-size:28px; font-weight:600;}}
.csc-board-text {{font-size:24px; line-height:1.35;}}
</style>
"""
_PRESENTING_CSS = """
<style>
section[data-testid="stSidebar"], header[data-testid="stHeader"],
div[data-testid="stToolbar"], div[data-testid="stAlert"] {display:none;}
</style>
"""


def _step(by: int, count: int) -> None:
    st.session_state[AREA_KEY] = (st.session_state.get(AREA_KEY, 0) + by) % count
    st.session_state[ADVANCED_AT_KEY] = time.monotonic()


def _controls(db: Path, month: date, count: int) -> tuple[date, bool]:
    """Previous / next, the "compare with" month and the auto-advance switch."""
    back, forward, compare_box, switches = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
    back.button("◀ Previous", on_click=_step, args=(-1, count), width="stretch")
    forward.button("Next ▶", on_click=_step, args=(1, count), width="stretch")
    earlier = [m for m in reversed(api.months(db)) if month_key(m) < month_key(month)]
    default = compare_month(db, month)
    compare = compare_box.selectbox(
        "Compare with",
        earlier or [month],
        index=earlier.index(default) if default in earlier else 0,
        format_func=uk_month,
        key=f"board:compare:{month_key(month)}",
        help="Defaults to the month of the last board meeting (config/council.yaml).",
    )
    auto = switches.toggle(f"Move on every {ADVANCE_SECONDS} s", key="board:auto")
    if switches.toggle("Presenting (hide sidebar and banners)", key="board:presenting"):
        st.html(_PRESENTING_CSS)
    return compare, auto


def _row(values, month: date):
    rows = values[values["month"].map(month_key) == month_key(month)]
    return rows.iloc[0] if len(rows) else None


def _headline(db: Path, kpi_id: str, month: date, compare: date) -> None:
    """The area's lead measure: a very large figure, its status in words and the change."""
    k = api.kpi(kpi_id)
    values = api.kpi_values(db, [kpi_id], months=[compare, month], teams=[api.ALL])
    now, before = _row(values, month), _row(values, compare)
    if now is None:
        st.info(f"No data for {uk_month(month)}.")
        return
    shown = format_value(now["value"], k.unit)
    st.markdown(
        f'<div class="csc-board-label">{escape(k.title)}</div>'
        f'<div class="csc-board-figure">{escape(shown)}</div>'
        f'<div class="csc-board-text">{escape(uk_month(month))}: '
        f"{escape(change_phrase(k, now, before, compare, SHOW_ALL))}</div>",
        unsafe_allow_html=True,
    )
    status_badge(now["status"], now["icon"], now["reason"])


def _furthest_off_track(db: Path, kpi_id: str, month: date) -> None:
    k = api.kpi(kpi_id)
    rows = api.kpi_values(db, [kpi_id], months=[month])
    worst = worst_teams(rows[(rows["team"] != api.ALL) & rows["value"].notna()], k)
    st.markdown(
        '<div class="csc-board-label">Teams furthest off track</div>', unsafe_allow_html=True
    )
    lines = [
        f"{row.icon} {row.team} — {format_value(row.value, k.unit)} ({row.status})"
        for row in worst.itertuples()
    ]
    text = "<br>".join(escape(line) for line in lines) or "Every team is on track."
    st.markdown(f'<div class="csc-board-text">{text}</div>', unsafe_allow_html=True)


def _area(db: Path, month: date, compare: date, auto: bool) -> None:
    """One area; with auto-advance on, re-run every few seconds and move on when it is time."""
    areas = api.areas()
    last = st.session_state.setdefault(ADVANCED_AT_KEY, time.monotonic())
    if auto and time.monotonic() - last >= ADVANCE_SECONDS:
        _step(1, len(areas))
    index = st.session_state.get(AREA_KEY, 0) % len(areas)
    area = areas[index]
    lead = area.kpis[0]
    st.title(area.title)
    st.caption(f"Area {index + 1} of {len(areas)}")
    left, right = st.columns([2, 3], vertical_alignment="top")
    with left:
        _headline(db, lead.id, month, compare)
        _furthest_off_track(db, lead.id, month)
    with right:
        sentences = kpi_sentences(db, lead.id, month, compare)
        st.plotly_chart(
            area_trend_figure(db, lead.id, month, height=480),
            key=f"board:trend:{area.id}",
            config={"displayModeBar": False},
            alt=" ".join(sentences),
        )
    for sentence in sentences:
        st.markdown(f"- {sentence}")
    with st.expander("Other measures in this area"):
        for k in area.kpis[1:]:
            st.markdown(kpi_sentences(db, k.id, month, compare)[0])


def _pack_download(db: Path, month: date, compare: date) -> None:
    """The same pack as ``python -m reports board-pack``, with small numbers hidden."""
    with st.expander("Board pack to take away (PDF or PowerPoint)"):
        fmt = st.radio("Format", list(MIME), horizontal=True, key="board:pack_format")
        if st.button("Prepare the board pack", key="board:pack_build"):
            with st.spinner("Drawing the charts and laying out the pack…"):
                st.session_state["board:pack"] = (
                    fmt,
                    month_key(month),
                    pack_bytes(db, month, fmt, compare=compare),
                )
        ready = st.session_state.get("board:pack")
        if ready and ready[:2] == (fmt, month_key(month)):
            st.download_button(
                f"Download the {fmt.upper()} pack",
                ready[2],
                file_name=f"board-pack-{month:%Y-%m}.{fmt}",
                mime=MIME[fmt],
            )


def render() -> None:
    db, month = current_db(), as_at_month()
    st.html(_CSS)
    if month is None:
        st.info("No returns are loaded yet, so there is nothing to show.")
        return
    compare, auto = _controls(db, month, len(api.areas()))
    st.fragment(run_every=5 if auto else None)(_area)(db, month, compare, auto)
    _pack_download(db, month, compare)


render()
