"""Changes of social worker: every KPI declared for the stability area in metrics/kpis/."""

from ui.area_page import render_area

render_area("stability")
