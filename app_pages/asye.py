"""Newly qualified social workers (ASYE): the asye area's KPIs in metrics/kpis/."""

from ui.area_page import render_area

render_area("asye")
