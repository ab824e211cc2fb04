"""Quality of practice: every KPI declared for the practice area in metrics/kpis/."""

from ui.area_page import render_area

render_area("practice")
