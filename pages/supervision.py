"""The supervision area page: every supervision KPI declared in metrics/kpis.yaml."""

from ui.area_page import render_area

render_area("supervision")
