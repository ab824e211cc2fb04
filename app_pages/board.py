"""Board mode: the state of the service, then one measure per screen, readable on a
projector from the back of the room.

The first screen, "State of the service", is the exceptions-first summary
(``metrics.summary``): how many measures are off track, at risk and on track, and each
exception with its figure and since when. Then the exceptions, one per screen, in the
summary's order, with a visible "Measure 3 of 13"; "Every measure" adds the rest. A list
jumps to a measure by name, and the screen's name is announced to a screen reader
(``aria-live``). Each screen fits 1366 × 768 and 1920 × 1080 without scrolling, its last
line ("What next") included: text sizes follow the screen's width, every word at least
24 px at 1920 (the headline figure 96 px), the chart's text too. A presentation
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
from metrics.config import load_config
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
from metrics.projection import kpi_projection
from metrics.status import OFF_TRACK, describe
from metrics.summary import SummaryLine, summary
from metrics.suppression import SHOW_ALL
from reports.content import area_trend_figure
from reports.meetings import compare_month
from reports.pack import MIME, comparison_csv, pack_bytes
from ui.commentary import board_html
from ui.layout import plain, status_badge_html
from ui.state import as_at_month, current_db, month_key
from ui.summary import summary_table

STEP_KEY = "board:step"
ADVANCED_AT_KEY = "board:advanced_at"
EVERY_KEY = "board:every"
JUMP_KEY = "board:jump"
PRESENTING_KEY = "board:presenting"
ADVANCE_SECONDS = 30
FIGURE_PX = 96
TEXT_PX = 24  # the least a board member reads across a room on a 1920 × 1080 screen
CHART_TEXT_PX = 24
#: The board chart's width in SVG pixels: about its column's width at 1920 × 1080, so the
#: picture is drawn at full size (text CHART_TEXT_PX) and scales down on a smaller screen.
BOARD_CHART_WIDTH = 1000
BOARD_CHART_HEIGHT = 560
#: Exception rows the first screen's table holds at 1366 × 768 under the headline and above
#: "What next" (18 rows ran to 778 px); more, and the table keeps the measures off track
#: while the rest are named in one line, so no exception is missing from the screen.
FIRST_SCREEN_ROWS = 12
PREVIOUS, NEXT, FIRST, LAST = "◀ Previous", "Next ▶", "« First", "Last »"
STATE = "State of the service"


def _vw(px: float) -> str:
    """A size that is ``px`` on a 1920 px wide screen and scales with the screen's width,
    so what fits 1920 × 1080 fits 1366 × 768 too (both 16:9)."""
    return f"{px / 19.2:.3f}vw"


_CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{padding-top:1rem; padding-bottom:0.5rem;}}
[data-testid="stMain"] .csc-board-figure {{
  font-size:{_vw(FIGURE_PX)}; font-weight:700; line-height:1.05;}}
[data-testid="stMain"] .csc-board-count {{font-size:{_vw(36)}; font-weight:600;}}
[data-testid="stMain"] .csc-board-label {{font-size:{_vw(28)}; font-weight:600;
  margin-top:0.4em;}}
[data-testid="stMain"] .csc-board-text {{font-size:{_vw(TEXT_PX)}; line-height:1.3;}}
[data-testid="stMain"] .csc-board-next {{font-size:{_vw(TEXT_PX)}; line-height:1.3;
  font-weight:600; border-top:2px solid #1A1A1A; padding-top:0.2em; margin-bottom:1rem;}}
[data-testid="stMain"] .csc-board-lead {{margin-bottom:1rem;}}
[data-testid="stMain"] .csc-board-position {{font-size:{_vw(28)}; font-weight:700;}}
[data-testid="stMain"] :is(p, li, label, button, summary, span, div, input, th, td, caption) {{
  font-size:max(1em, {_vw(TEXT_PX)});}}
[data-testid="stMain"] h1 {{font-size:{_vw(44)}; padding:0.1em 0; line-height:1.25;}}
[data-testid="stMain"] .csc-badge {{font-size:{_vw(TEXT_PX)};}}
[data-testid="stMain"] .csc-summary :is(th, td, caption) {{font-size:{_vw(TEXT_PX)};
  padding:0.1em 0.3em; line-height:1.2;}}
[data-testid="stMain"] .csc-summary :is(th, td, caption) span {{font-size:inherit;}}
[data-testid="stMain"] .csc-board-sr {{position:absolute; width:1px; height:1px;
  overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap;}}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{gap:0.4rem;}}
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


def _screens(db: Path, month: date) -> list[KPI | None]:
    """The screens in order: ``None`` for the state of the service, then the measures (the
    exceptions, or every measure when asked)."""
    return [None, *board_kpis(db, month, every=st.session_state.get(EVERY_KEY, False))]


def _name(screen: KPI | None) -> str:
    return STATE if screen is None else screen.title


def _jump(names: list[str]) -> None:
    """Go to the screen chosen by name in the "Go to" list."""
    chosen = st.session_state.get(JUMP_KEY)
    if chosen in names:
        st.session_state[STEP_KEY] = names.index(chosen)
        st.session_state[ADVANCED_AT_KEY] = time.monotonic()


def _controls(db: Path, month: date, screens: list[KPI | None]) -> tuple[date, bool]:
    """One row: first / previous / next / last, "Go to" a measure by name, and the settings
    (compare with, every measure, auto-advance, presenting) in a small panel while
    presenting, so the measure has the screen."""
    count = len(screens)
    names = [_name(s) for s in screens]
    step = st.session_state.get(STEP_KEY, 0) % count
    st.session_state[JUMP_KEY] = names[step]  # the list shows the screen on show
    presenting = st.session_state.get(PRESENTING_KEY, False)
    first, back, forward, last, jump, more = st.columns(
        [1, 1.2, 1.1, 1, 3, 1.4], vertical_alignment="bottom"
    )
    first.button(FIRST, on_click=_go, args=(0, 0, count), width="stretch")
    back.button(PREVIOUS, on_click=_go, args=(None, -1, count), width="stretch")
    forward.button(NEXT, on_click=_go, args=(None, 1, count), width="stretch")
    last.button(LAST, on_click=_go, args=(-1, 0, count), width="stretch")
    jump.selectbox(
        "Go to",
        names,
        key=JUMP_KEY,
        on_change=_jump,
        args=(names,),
        label_visibility="collapsed",
        help="Jump to a measure by name.",
    )
    settings = more.popover("Settings", width="stretch") if presenting else st.container()
    with settings:
        earlier = [m for m in reversed(api.months(db)) if month_key(m) < month_key(month)]
        default = compare_month(db, month)
        compare = st.selectbox(
            "Compare with",
            earlier or [month],
            index=earlier.index(default) if default in earlier else 0,
            format_func=uk_month,
            key=f"board:compare:{month_key(month)}",
            help="Defaults to the month of the last board meeting (config/council.yaml).",
        )
        # read through the session state by ``_screens``, which runs before this is drawn
        st.toggle("Every measure (not only those off track or at risk)", key=EVERY_KEY)
        auto = st.toggle(f"Move on every {ADVANCE_SECONDS} seconds", key="board:auto")
        if st.toggle("Presenting (hide sidebar and banners)", key=PRESENTING_KEY):
            st.html(_PRESENTING_CSS)
    return compare, auto


def _row(values, month: date):
    rows = values[values["month"].map(month_key) == month_key(month)]
    return rows.iloc[0] if len(rows) else None


def _headline(db: Path, k: KPI, line: SummaryLine, month: date, compare: date) -> None:
    """The measure's figure very large with its counts, one change wording, the status and
    since when (the rule in full is in "How this is calculated", not restated here)."""
    values = api.kpi_values(db, [k.id], months=[compare, month], teams=[api.ALL])
    now, before = _row(values, month), _row(values, compare)
    counts = count_text(now["numerator"], now["denominator"]) if k.unit == "percent" else ""
    change = change_phrase(k, now, before, compare, SHOW_ALL)
    st.markdown(
        f'<div class="csc-board-figure">{escape(format_value(now["value"], k.unit))}</div>'
        + (f'<div class="csc-board-count">({escape(counts)})</div>' if counts else "")
        + f'<div class="csc-board-text">{escape(uk_month(month))}: {escape(change)}</div>'
        f'<div class="csc-board-text">{status_badge_html(now["status"], now["icon"])} '
        f"{escape(line.since)}</div>"
        # the Making Data Count reading in words beside its icons (metrics.spc)
        f'<div class="csc-board-text">{escape(line.signal or "")}</div>',
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


def _what_next(db: Path, k: KPI, line: SummaryLine, month: date) -> str:
    """The screen's last line: the owner's action when one is recorded, else where the
    recent trend leads (the projection), else a passed target date said plainly."""
    if line.action:
        return line.action
    projection = kpi_projection(db, k.id, month)
    if projection is not None and not projection.already_met:
        return projection.sentence()
    rule = api.threshold(k.id)
    history = since_due(db, k, month)
    if rule is not None and history is not None and line.status == OFF_TRACK:
        clause = passed_clause(rule, k.unit, k.higher_is_better, history)
        return clause[0].upper() + clause[1:] + "."
    return f"{describe(rule, k.unit, k.higher_is_better)}"


def _announce(text: str) -> None:
    """Say the screen's name to a screen reader when it changes (a polite live region)."""
    st.html(f'<div class="csc-board-sr" role="status" aria-live="polite">{escape(text)}</div>')


def _state(db: Path, month: date, count: int) -> None:
    """The first screen: the summary, exceptions listed with their figure and since when."""
    result = summary(db, month)
    st.markdown(
        f'<div class="csc-board-position">Screen 1 of {count}</div>', unsafe_allow_html=True
    )
    _announce(f"Screen 1 of {count}: {STATE}")
    st.title(STATE)
    who = plain(load_config().council_name)
    st.markdown(
        f'<div class="csc-board-text csc-board-lead">{who}, whole council, '
        f"{escape(uk_month(month))}: "
        f"<strong>{escape(result.headline)}</strong>.</div>",
        unsafe_allow_html=True,
    )
    rows, named = first_screen(result.exceptions)
    if rows:
        caption = "Off track or at risk, worst first"
        st.html(summary_table(rows, caption, detail=False))
    if named:
        names = " · ".join(f"{x.icon} {escape(x.short)}" for x in named)  # declared names
        st.markdown(
            f'<div class="csc-board-text csc-board-lead">Also {escape(_statuses(named))}: '
            f"{names}.</div>",
            unsafe_allow_html=True,
        )
    n = len(result.exceptions)
    following = (
        f"the {n} measures off track or at risk, one a screen"
        if n and not st.session_state.get(EVERY_KEY, False)
        else f"every measure, one a screen, the {n} off track or at risk first"
    )
    st.markdown(
        f'<div class="csc-board-next">What next: {escape(following)}.</div>',
        unsafe_allow_html=True,
    )


def first_screen(exceptions: list[SummaryLine]) -> tuple[list[SummaryLine], list[SummaryLine]]:
    """The exceptions as the first screen shows them: rows of the table, and those only
    named (by short title and status icon) when all would not fit as rows. A row keeps a
    measure off track before one at risk; each is still a screen of its own after."""
    if len(exceptions) <= FIRST_SCREEN_ROWS:
        return list(exceptions), []
    rows = [x for x in exceptions if x.status == OFF_TRACK][:FIRST_SCREEN_ROWS]
    return rows, [x for x in exceptions if x not in rows]


def _statuses(lines: list[SummaryLine]) -> str:
    """``at risk`` or ``off track or at risk``: what the named lines are."""
    found = {x.status for x in lines}
    return found.pop() if len(found) == 1 else "off track or at risk"


def _measure(db: Path, month: date, compare: date, auto: bool) -> None:
    """One screen; with auto-advance on, re-run every few seconds and move on when it is time."""
    screens = _screens(db, month)
    last = st.session_state.setdefault(ADVANCED_AT_KEY, time.monotonic())
    if auto and time.monotonic() - last >= ADVANCE_SECONDS:
        _go(None, 1, len(screens))
    index = st.session_state.get(STEP_KEY, 0) % len(screens)
    k = screens[index]
    if k is None:
        _state(db, month, len(screens))
        return
    line = next(x for x in summary(db, month).lines if x.kpi == k.id)
    area = next(a for a in api.areas() if a.id == k.area)
    position = f"Measure {index} of {len(screens) - 1} · {area.title}"
    st.markdown(f'<div class="csc-board-position">{escape(position)}</div>', unsafe_allow_html=True)
    _announce(f"{position}: {k.title}")
    st.title(k.title)
    left, right = st.columns([2, 3], vertical_alignment="top")
    sentences = kpi_sentences(db, k.id, month, compare)
    with left:
        _headline(db, k, line, month, compare)
        _furthest_off_track(db, k, month)
        st.markdown(
            board_html(db, k.id, month, "csc-board-label", "csc-board-text"),
            unsafe_allow_html=True,
        )
    with right:
        # A picture, not Plotly: nobody hovers on a shared screen, and it is on screen at
        # once. Drawn about the column's width at 1920, so its text is CHART_TEXT_PX there.
        figure = area_trend_figure(
            db, k.id, month, height=BOARD_CHART_HEIGHT, font_size=CHART_TEXT_PX
        )
        st.html(figure_img(figure, width=BOARD_CHART_WIDTH, label=" ".join(sentences)))
    st.markdown(
        f'<div class="csc-board-next">What next: {plain(_what_next(db, k, line, month))}</div>',
        unsafe_allow_html=True,
    )


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
    compare, auto = _controls(db, month, _screens(db, month))
    st.fragment(run_every=5 if auto else None)(_measure)(db, month, compare, auto)
    if not st.session_state.get(PRESENTING_KEY, False):  # the room's screen is the board's
        _pack_download(db, month, compare)


render()
