"""The caseloads area page: every caseloads KPI declared in metrics/kpis.yaml."""

from ui.area_page import render_area

render_area("caseloads")
