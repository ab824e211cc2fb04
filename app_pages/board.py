"""Board mode: one measure per screen, readable on a projector from the back of the room.

Every measure with figures for the month, one per screen, in the declared order (area by
area), with a visible "Measure 3 of 14". Every word is at least 24 px on a 1920 × 1080
screen (the headline figure 96 px) and the chart's text at least 20 px. A presentation
clicker sends Right / Page Down / Space (forward) and Left / Page Up (back); Home and End go
to the first and last measure; a small script turns those keys into presses of the on-screen
buttons, so the keyboard, the clicker and the mouse take the same path. Each screen compares
with one month only: the "compare with" month (by default the last board meeting's), so a
status reason worked out on the month before is replaced by the rule in words. Every figure
is the metrics layer's; the pack to take away is built by the same code as
``python -m reports board-pack``. Team names come from the councils' files, so every line
that names a team is written with ``ui.layout.plain`` (shown as typed: never a link, an
image or bold).
"""

from __future__ import annotations

import time
from datetime import date
from html import escape
from pathlib import Path

import streamlit as st

from charts.static import figure_img
from metrics import api
from metrics.declarations import KPI
from metrics.formatting import count_text, format_value, uk_month
from metrics.narrative import (
    board_kpis,
    change_phrase,
    kpi_sentences,
    passed_clause,
    since_due,
    team_figure,
    worst_teams,
)
from metrics.status import OFF_TRACK, describe
from metrics.suppression import SHOW_ALL
from reports.content import area_trend_figure
from reports.meetings import compare_month
from reports.pack import MIME, comparison_csv, pack_bytes
from ui.commentary import board_html
from ui.layout import plain, status_badge_html
from ui.state import as_at_month, current_db, month_key

STEP_KEY = "board:step"
ADVANCED_AT_KEY = "board:advanced_at"
ADVANCE_SECONDS = 30
FIGURE_PX = 96
TEXT_PX = 24  # the least a board member reads across a room on a 1920 × 1080 screen
CHART_TEXT_PX = 20
#: The board chart's width in SVG pixels: about its column's width at 1920 × 1080, so the
#: picture is drawn at full size (text CHART_TEXT_PX) and scales down on a smaller screen.
BOARD_CHART_WIDTH = 1000
PREVIOUS, NEXT, FIRST, LAST = "◀ Previous", "Next ▶", "« First", "Last »"

_CSS = f"""
<style>
[data-testid="stMain"] .csc-board-figure {{
  font-size:{FIGURE_PX}px; font-weight:700; line-height:1.05;}}
[data-testid="stMain"] .csc-board-count {{font-size:40px; font-weight:600;}}
[data-testid="stMain"] .csc-board-label {{font-size:28px; font-weight:600;}}
[data-testid="stMain"] .csc-board-text {{font-size:{TEXT_PX}px; line-height:1.35;}}
[data-testid="stMain"] .csc-board-position {{font-size:28px; font-weight:700;}}
[data-testid="stMain"] :is(p, li, label, button, summary, span, div, input) {{
  font-size:max(1em, {TEXT_PX}px);}}
[data-testid="stMain"] h1 {{font-size:48px;}}
[data-testid="stMain"] .csc-badge {{font-size:{TEXT_PX}px;}}
</style>
"""
_PRESENTING_CSS = """
<style>
section[data-testid="stSidebar"], header[data-testid="stHeader"],
div[data-testid="stToolbar"], div[data-testid="stAlert"] {display:none;}
</style>
"""
# Clicker and keyboard: each key presses the on-screen button of the same name. Listened for
# once per page load (the guard); never while a text box or list has the keys, but a switch
# just clicked (a checkbox) does not stop the clicker.
_KEYS = f"""
<script>
if (!window.cscBoardKeys) {{
  window.cscBoardKeys = true;
  const names = {{
    ArrowRight: "{NEXT}", PageDown: "{NEXT}", " ": "{NEXT}",
    ArrowLeft: "{PREVIOUS}", PageUp: "{PREVIOUS}", Home: "{FIRST}", End: "{LAST}"
  }};
  window.addEventListener("keydown", (event) => {{
    const name = names[event.key];
    const target = event.target;
    if (!name || event.altKey || event.ctrlKey || event.metaKey) return;
    const typing = "textarea, select, [role=combobox], [contenteditable=true], "
      + "input:not([type=checkbox]):not([type=radio]):not([type=button])";
    if (target.closest && target.closest(typing)) return;
    const button = [...document.querySelectorAll("[data-testid=stMain] button")]
      .find((b) => b.innerText.trim() === name);
    if (!button) return;
    event.preventDefault();
    button.click();
  }}, true);
}}
</script>
"""


def _go(to: int | None, by: int, count: int) -> None:
    """Move ``by`` steps (wrapping), or to position ``to`` (0 first, -1 last)."""
    now = st.session_state.get(STEP_KEY, 0)
    st.session_state[STEP_KEY] = (to % count) if to is not None else (now + by) % count
    st.session_state[ADVANCED_AT_KEY] = time.monotonic()


def _controls(db: Path, month: date, count: int) -> tuple[date, bool]:
    """First / previous / next / last, the "compare with" month and the switches."""
    first, back, forward, last, compare_box = st.columns(
        [1, 1.2, 1.2, 1, 2.4], vertical_alignment="bottom"
    )
    first.button(FIRST, on_click=_go, args=(0, 0, count), width="stretch")
    back.button(PREVIOUS, on_click=_go, args=(None, -1, count), width="stretch")
    forward.button(NEXT, on_click=_go, args=(None, 1, count), width="stretch")
    last.button(LAST, on_click=_go, args=(-1, 0, count), width="stretch")
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
    left, right = st.columns(2)
    auto = left.toggle(f"Move on every {ADVANCE_SECONDS} seconds", key="board:auto")
    if right.toggle("Presenting (hide sidebar and banners)", key="board:presenting"):
        st.html(_PRESENTING_CSS)
    return compare, auto


def _row(values, month: date):
    rows = values[values["month"].map(month_key) == month_key(month)]
    return rows.iloc[0] if len(rows) else None


def _headline(db: Path, k: KPI, month: date, compare: date) -> None:
    """The measure's figure very large with its counts, one change wording, the status."""
    values = api.kpi_values(db, [k.id], months=[compare, month], teams=[api.ALL])
    now, before = _row(values, month), _row(values, compare)
    if now is None:
        st.info(f"No data for {uk_month(month)}.")
        return
    counts = count_text(now["numerator"], now["denominator"]) if k.unit == "percent" else ""
    change = change_phrase(k, now, before, compare, SHOW_ALL)
    threshold = api.threshold(k.id)
    rule = describe(threshold, k.unit, k.higher_is_better)
    history = since_due(db, k, month)
    if threshold is not None and history is not None and now["status"] == OFF_TRACK:
        clause = passed_clause(threshold, k.unit, k.higher_is_better, history)
        rule = clause[0].upper() + clause[1:] + "."
    st.markdown(
        f'<div class="csc-board-figure">{escape(format_value(now["value"], k.unit))}</div>'
        + (f'<div class="csc-board-count">({escape(counts)})</div>' if counts else "")
        + f'<div class="csc-board-text">{escape(uk_month(month))}: {escape(change)}</div>'
        f'<div class="csc-board-text">{status_badge_html(now["status"], now["icon"])} '
        f"{escape(rule)}</div>",
        unsafe_allow_html=True,
    )


def _furthest_off_track(db: Path, k: KPI, month: date) -> None:
    """Teams off track, then at risk, worst level first, with their counts."""
    rows = api.kpi_values(db, [k.id], months=[month])
    worst = worst_teams(rows[(rows["team"] != api.ALL) & rows["value"].notna()], k)
    lines = [f"{row.icon} {team_figure(row, k, SHOW_ALL)}" for row in worst.itertuples()]
    text = "<br>".join(plain(line) for line in lines) or "Every team is on track."
    st.markdown(
        '<div class="csc-board-label">Teams furthest off track</div>'
        f'<div class="csc-board-text">{text}</div>',
        unsafe_allow_html=True,
    )


def _measure(db: Path, month: date, compare: date, auto: bool) -> None:
    """One measure; with auto-advance on, re-run every few seconds and move on when it is time."""
    kpis = board_kpis(db, month)
    if not kpis:
        st.info(f"No measure has figures for {uk_month(month)}.")
        return
    last = st.session_state.setdefault(ADVANCED_AT_KEY, time.monotonic())
    if auto and time.monotonic() - last >= ADVANCE_SECONDS:
        _go(None, 1, len(kpis))
    index = st.session_state.get(STEP_KEY, 0) % len(kpis)
    k = kpis[index]
    area = next(a for a in api.areas() if a.id == k.area)
    st.markdown(
        f'<div class="csc-board-position">Measure {index + 1} of {len(kpis)}'
        f" · {escape(area.title)}</div>",
        unsafe_allow_html=True,
    )
    st.title(k.title)
    left, right = st.columns([2, 3], vertical_alignment="top")
    sentences = kpi_sentences(db, k.id, month, compare)
    with left:
        _headline(db, k, month, compare)
        _furthest_off_track(db, k, month)
        st.markdown(
            board_html(db, k.id, month, "csc-board-label", "csc-board-text"),
            unsafe_allow_html=True,
        )
    with right:
        # A picture, not Plotly: nobody hovers on a shared screen, and it is on screen at
        # once. Drawn no wider than the column at 1920, so its text is CHART_TEXT_PX or more.
        figure = area_trend_figure(db, k.id, month, height=560, font_size=CHART_TEXT_PX)
        st.html(figure_img(figure, width=BOARD_CHART_WIDTH, label=" ".join(sentences)))
    for sentence in sentences[1:]:  # the first is the headline's figure and change again
        st.markdown(f'<div class="csc-board-text">{plain(sentence)}</div>', unsafe_allow_html=True)


def _pack_download(db: Path, month: date, compare: date) -> None:
    """The same pack as ``python -m reports board-pack`` (small numbers as the council's
    suppression setting says), and "How we compare" as a CSV with the DfE's symbols kept."""
    with st.expander("Board pack to take away (PDF or PowerPoint) and How we compare (CSV)"):
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
        if st.button("Prepare How we compare (CSV)", key="board:compare_build"):
            st.session_state["board:compare"] = (month_key(month), comparison_csv(db, month))
        compared = st.session_state.get("board:compare")
        if compared and compared[0] == month_key(month):
            st.download_button(
                "Download How we compare (CSV)",
                compared[1],
                file_name=f"how-we-compare-{month:%Y-%m}.csv",
                mime="text/csv",
            )


def render() -> None:
    db, month = current_db(), as_at_month()
    st.html(_CSS)
    st.html(_KEYS, unsafe_allow_javascript=True)
    if month is None:
        st.info("No returns are loaded yet, so there is nothing to show.")
        return
    compare, auto = _controls(db, month, max(len(board_kpis(db, month)), 1))
    st.fragment(run_every=5 if auto else None)(_measure)(db, month, compare, auto)
    _pack_download(db, month, compare)


render()
