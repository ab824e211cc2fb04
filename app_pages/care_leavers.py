"""Care leavers: every KPI declared for the care_leavers area in metrics/kpis/."""

from ui.area_page import render_area

render_area("care_leavers")
