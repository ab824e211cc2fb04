"""Statutory visits: every KPI declared for the visits area in metrics/kpis/."""

from ui.area_page import render_area

render_area("visits")
