"""Front door and assessment: every KPI declared for the front_door area in metrics/kpis/."""

from ui.area_page import render_area

render_area("front_door")
