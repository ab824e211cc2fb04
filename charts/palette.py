"""The colours, fonts and status keys every chart builder shares.

Okabe–Ito colours, so lines and statuses stay distinguishable under the common forms of
colour blindness; each status colour is always shown beside the status's words and icon.
"""

from __future__ import annotations

# Okabe–Ito (2008) colour-blind safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NO_DATA_COLOUR = "#D9D9D9"
COUNCIL_COLOUR = OKABE_ITO["blue"]
TEAM_COLOUR = OKABE_ITO["reddish_purple"]
THRESHOLD_COLOUR = OKABE_ITO["black"]
TARGET_COLOUR = "#6E6E6E"
# Axis labels: set on every axis because Streamlit's chart theme otherwise greys them to
# #808495, 3.7:1 on white (WCAG asks 4.5:1). #444444 is 9.7:1.
AXIS_TEXT_COLOUR = "#444444"
#: Benchmarks (annual published figures, drawn as one point a year): colour, dash (kept for
#: callers that draw lines) and marker per area type, so each differs from the council's
#: solid monthly line and from each other by more than colour.
BENCHMARK_STYLES = {
    "ENGLAND": (OKABE_ITO["orange"], "longdash", "square"),
    "REGION": (OKABE_ITO["sky_blue"], "dashdot", "triangle-up"),
    "NEIGHBOURS": (OKABE_ITO["bluish_green"], "longdashdot", "x"),
}
#: The process (Making Data Count): the band between the natural process limits, its mean,
#: and special-cause months marked by shape (an open ring for improving, an open square for
#: concerning) as well as colour (Making Data Count's blue and orange, Okabe-Ito's).
PROCESS_BAND_COLOUR = "rgba(110, 110, 110, 0.14)"
PROCESS_MEAN_COLOUR = "#6E6E6E"
SIGNAL_STYLES = {
    "improvement": (OKABE_ITO["blue"], "circle-open", "Special cause — improving"),
    "concern": (OKABE_ITO["orange"], "square-open", "Special cause — concerning"),
}
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 15, "color": "#1A1A1A"}

# Status order and colour; ``status_key`` maps the metrics layer's status to these keys.
STATUS_COLOURS = {
    "no_data": NO_DATA_COLOUR,
    "on_track": OKABE_ITO["bluish_green"],
    "at_risk": OKABE_ITO["orange"],
    "off_track": OKABE_ITO["vermillion"],
}


def status_key(status: object) -> str:
    """``on track`` / ``on_track`` / ``On track`` → ``on_track``; anything else → ``no_data``."""
    key = str(status or "").strip().lower().replace(" ", "_").replace("-", "_")
    return key if key in STATUS_COLOURS else "no_data"


def status_colour(status: object) -> str:
    """The Okabe–Ito colour for a status (always shown beside its words and icon)."""
    return STATUS_COLOURS[status_key(status)]
