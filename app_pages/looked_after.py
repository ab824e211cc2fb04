"""Children looked after: every KPI declared for the looked_after area in metrics/kpis/."""

from ui.area_page import render_area

render_area("looked_after")
