"""The visits area page: every visits KPI declared in metrics/kpis.yaml."""

from ui.area_page import render_area

render_area("visits")
