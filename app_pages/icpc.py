"""Initial child protection conferences: every icpc KPI declared in metrics/kpis/."""

from ui.area_page import render_area

render_area("icpc")
