"""Caseloads: every KPI declared for the caseloads area in metrics/kpis/."""

from ui.area_page import render_area

render_area("caseloads")
