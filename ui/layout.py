"""Layout helpers every page uses: style, banners, the "as at" picker, status badges, tiles.

Status is always shown as an icon plus words ("✔ On track"), with colour only as a third cue.
Numbers and dates arrive already formatted by ``metrics.formatting``. Any text that holds a
value read from a file (a team name, a worker id) goes through ``plain`` before it reaches
``st.markdown`` or ``st.caption``, so it is shown as typed and never as a link or an image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from pathlib import Path

import pandas as pd
import streamlit as st

from charts.palette import status_colour, status_key
from metrics.formatting import format_value, rounded, uk_date, uk_month
from ui.state import AS_AT_KEY, month_key

#: How often a visitor's page shows the demo build's progress.
DEMO_POLL_S = 0.5

STATUS_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data",
}

# Characters that start Markdown, HTML, Streamlit directive (":red[...]") or autolink
# ("http://…", "www.…") syntax. Written as numeric character references they are shown as
# the character itself, in Markdown and inside a raw HTML block alike, and start nothing.
_MARKUP = "\\`*_[]<>&!#|~$:(){}.\"'+-=@^"
_PLAIN = str.maketrans({c: f"&#{ord(c)};" for c in _MARKUP} | {"\n": " ", "\r": " ", "\t": " "})


# GitHub-flavoured Markdown turns bare addresses ("http://a.b", "www.a.b", "x@a.b") into
# links after the text is decoded, so character references do not stop it: an invisible
# word joiner after "://", "www" or "@" does.
_AUTOLINK = re.compile(r"(://|\bwww(?=\.)|@)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` as literal words for ``st.markdown`` / ``st.caption`` (with or without
    ``unsafe_allow_html``): a team named ``[click](http://x)``, ``![x](a.png)``,
    ``<a href="http://x">x</a>`` or ``**bold**`` is shown exactly so, with no link, image or
    bold made. Line breaks become spaces, so a value cannot end an HTML block either."""
    return _AUTOLINK.sub(lambda m: m.group(1) + _WORD_JOINER, str(text)).translate(_PLAIN)


_CSS = """
<style>
.csc-badge {display:inline-block; padding:0.1rem 0.6rem; border-radius:1rem; font-weight:600;
  border:2px solid var(--csc-colour); background:color-mix(in srgb, var(--csc-colour) 18%, white);
  color:#1A1A1A; white-space:nowrap;}
.csc-reason {color:#444; font-size:0.9rem;}
.csc-count {color:#1A1A1A; font-size:1rem; margin-top:-0.6rem;}
div[data-testid="stMetricValue"] {font-size:2.1rem;}
/* Tile titles and changes ("Down 4.0 points on February 2022") wrap rather than being cut
   short with an ellipsis. */
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] *,
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space:normal !important; overflow:visible !important; text-overflow:clip !important;}
[data-testid="stMetricLabel"] p {font-weight:600; font-size:0.9rem; line-height:1.25;}
/* The tiles of a row are one height: each column and its bordered tile fill the row. */
div[data-testid="stColumn"]:has(> div > [class*="st-key-csc-tile-"]) {
  display:flex; flex-direction:column;}
div[data-testid="stColumn"] > div:has(> [class*="st-key-csc-tile-"]),
[class*="st-key-csc-tile-"] {flex:1 1 auto;}
/* Inside a tile: tighter, smaller captions, so a row of tiles fits a 1366 x 768 screen. */
[class*="st-key-csc-tile-"] [data-testid="stCaptionContainer"],
[class*="st-key-csc-tile-"] .csc-reason {font-size:0.8rem; line-height:1.3; display:block;
  margin-top:0.25rem;}
[class*="st-key-csc-tile-"] .csc-count {margin-top:0; margin-bottom:1rem; line-height:1.2;}
[class*="st-key-csc-tile-"] {padding:0.75rem !important;}
[class*="st-key-csc-tile-"] div[data-testid="stMetricValue"] {font-size:1.9rem;}
/* Less empty space above and around the page heading, and slimmer banners, for a laptop's
   768 px (board mode sets its own, larger, heading). */
[data-testid="stMainBlockContainer"] {padding-top:3.5rem;}
[data-testid="stMain"] h1 {font-size:2.3rem; padding-top:0.5rem;}
[data-testid="stMain"] [data-testid="stAlertContainer"] {
  padding-top:0.4rem; padding-bottom:0.4rem;}
/* Page links (sidebar and tiles) wrap onto a second line rather than being cut short. */
[data-testid="stSidebarNavLink"] span, [data-testid="stSidebarNavLink"] p {
  white-space:normal !important; overflow:visible !important; text-overflow:clip !important;}
[data-testid="stSidebarNavLink"] {height:auto; min-height:2rem;}
/* A tile's link wraps onto a second line rather than being cut short. */
[class*="st-key-csc-tile-"] [data-testid="stPageLink"] * {
  white-space:normal !important; overflow:visible !important; text-overflow:clip !important;}
/* A focus ring that shows on every control, on white and on the status colours alike
   (WCAG 2.4.7, 2.4.11): a dark outline with a yellow halo, as GOV.UK draws it. */
:focus-visible {outline:3px solid #0B0C0C !important; outline-offset:2px !important;
  box-shadow:0 0 0 6px #FFDD00 !important;}
[data-testid="stMain"] h1:focus {outline:none; box-shadow:none;}
[data-testid="stMain"] h1:focus-visible {outline:3px solid #0B0C0C !important;}
@media (min-width: 2000px) { html {font-size: 20px;} }
</style>
"""

# After a move to another page (the address changes; a rerun on the same page does not),
# focus goes to the new page's heading, as a screen-reader or keyboard user expects after
# following a link (WCAG 2.4.3). Streamlit swaps pages in place, so the browser would leave
# focus on the sidebar link. Installed once per browser tab.
_FOCUS_HEADING = """
<script>
if (!window.cscFocusHeading) {
  window.cscFocusHeading = true;
  let path = window.location.pathname;
  const heading = () => document.querySelector('[data-testid="stMain"] h1');
  const moveFocus = (old, oldText, tries) => {
    const h1 = heading();
    const fresh = h1 && (h1 !== old || h1.innerText !== oldText)
      && !h1.closest('[data-stale="true"]');
    if (fresh || (h1 && tries <= 0)) {
      h1.setAttribute("tabindex", "-1");
      h1.focus({preventScroll: false});
    } else if (tries > 0) {
      setTimeout(() => moveFocus(old, oldText, tries - 1), 100);
    }
  };
  setInterval(() => {
    if (window.location.pathname === path) return;
    path = window.location.pathname;
    const old = heading();
    moveFocus(old, old ? old.innerText : null, 100);
  }, 100);
}
</script>
"""


def apply_style() -> None:
    """A little CSS for badges, tiles and the focus ring, scaled up on large shared screens,
    and the script that moves focus to a page's heading after navigation."""
    st.html(_CSS)
    st.html(_FOCUS_HEADING, unsafe_allow_javascript=True)


def status_words(status: object) -> str:
    """The plain-English name of a status."""
    return STATUS_WORDS[status_key(status)]


def status_badge_html(status: object, icon: str) -> str:
    """An inline badge: icon and words, outlined in the status colour."""
    key = status_key(status)
    colour = status_colour(key)
    label = escape(f"{icon} {STATUS_WORDS[key]}".strip())
    return f'<span class="csc-badge" style="--csc-colour:{colour}">{label}</span>'


def process_html(reading) -> str:
    """A series' Making Data Count reading (``metrics.spc.Process``) as two short lines of
    words, each led by its icon: variation, then assurance. Never an icon alone."""
    lines = [reading.variation_text(), reading.assurance_text()]
    body = "<br>".join(plain(line) for line in lines if line)
    return f'<div class="csc-reason csc-process">{body}</div>'


def status_badge(status: object, icon: str, reason: str | None = None) -> None:
    """Draw a status badge, with the reason for it in words beside it."""
    text = status_badge_html(status, icon)
    if reason:
        text += f' <span class="csc-reason">{plain(reason)}</span>'
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
        # In the sidebar, under the month it qualifies: on every page, and not taking a
        # line above a page's first figures on a laptop's screen.
        st.sidebar.caption(f"Data last loaded {uk_date(last_loaded)} at {last_loaded:%H:%M}.")
    if month is not None and missing:
        many = len(missing) > 1
        names = ", ".join(missing[:-1]) + " and " + missing[-1] if many else missing[0]
        st.warning(
            f"Missing for {uk_month(month)}: the {names} return{'s' if many else ''}"
            f" {'have' if many else 'has'} not been loaded, so figures that use "
            f"{'them' if many else 'it'} show no data.",
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
    sparkline: str | None,
    link: str | None = None,
    link_label: str | None = None,
    help: str | None = None,
    key: str | None = None,
    count: str | None = None,
    spark_range: str | None = None,
    comparison: str | None = None,
    process: str | None = None,
) -> None:
    """One bordered tile: the value, its change in words, the status badge and a sparkline.

    The change is shown without a red/green arrow colour (it is not colour-blind safe and
    "up" is good for some measures and bad for others); the badge says whether it is good.
    No arrow either: Streamlit draws it from a leading minus sign, so "Down 2.5 points"
    showed an up arrow. The words say which way it went. ``count`` is the counts behind a
    percentage ("11 of 14"), printed right under it; ``spark_range`` says the sparkline's
    range and threshold in words, since it has no axis; ``comparison`` (England and the
    statistical neighbours) sits inside the tile, above its link; ``process`` is the Making
    Data Count reading in a few words (``metrics.spc.Process.label``), under the badge.
    Tiles of one row are one height (``height="stretch"`` and the ``csc-tile`` CSS).
    """
    tile_key = "csc-tile-" + re.sub(r"[^A-Za-z0-9_-]", "-", key or title)
    with st.container(border=True, height="stretch", gap="xxsmall", key=tile_key):
        st.metric(
            title,
            value,
            delta=change,
            delta_color="off",
            delta_arrow="off",
            help=help,
        )
        if count:
            st.markdown(f'<div class="csc-count">({plain(count)})</div>', unsafe_allow_html=True)
        status_badge(status, icon, reason)
        if process:
            st.caption(plain(process))
        if sparkline is not None:  # a static SVG <img> (charts.sparkline.sparkline_svg): no Plotly
            # st.markdown, not st.html: Streamlit 1.67's st.html drops <svg> (it drew nothing).
            st.markdown(f'<div class="csc-spark-box">{sparkline}</div>', unsafe_allow_html=True)
        if sparkline is not None and spark_range:  # figures and months only, by charts.sparkline
            st.caption(spark_range)
        if comparison:  # England's published figure and our quartile, in words
            st.caption(comparison)
        if link:
            st.page_link(
                link,
                label=link_label or f"See {title}",
                icon=":material/arrow_forward:",
                width="stretch",
            )


def wait_for_demo(db: Path) -> None:
    """First start with no complete store: show the demo build's progress until it is done.

    The build runs in the server process (``demo.first_start``), not in this session, so a
    reload or a second visitor watches the same build; when it is done the page reruns.
    """
    from demo.first_start import start

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
