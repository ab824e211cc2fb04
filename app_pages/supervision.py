"""Case supervision: every KPI declared for the supervision area in metrics/kpis/."""

from ui.area_page import render_area

render_area("supervision")
