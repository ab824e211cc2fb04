"""Case supervision: every KPI declared for the supervision area in metrics/kpis.yaml."""

from ui.area_page import render_area

render_area("supervision")
