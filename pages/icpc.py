"""Initial child protection conferences: every KPI declared for the icpc area in metrics/kpis.yaml."""

from ui.area_page import render_area

render_area("icpc")
