"""Emergency duty team (EDT): every KPI declared for the edt area in metrics/kpis/."""

from ui.area_page import render_area

render_area("edt")
