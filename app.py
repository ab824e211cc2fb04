"""The dashboard's entry point: `streamlit run app.py`.

Runs before every page: page setup, sign-in (or the demo banner), first-start demo build,
the shared "as at" month picker and the data banners; then the page chosen in the sidebar
(declared in ui/navigation.py, showing only the pages the user's role may open).
"""

from __future__ import annotations

import streamlit as st

from demo.build import demo_needed
from metrics import api, quality
from ui import auth, layout, navigation, state

APP_TITLE = "Children's social care performance"

st.set_page_config(page_title=APP_TITLE, page_icon=":material/monitoring:", layout="wide")
layout.apply_style()

db = state.current_db()
user = auth.gate(db)
if auth.sign_in_required():  # a council's own deployment: never invent demo data
    if not state.store_exists(db):
        st.info("No returns are loaded yet. An analyst can load them on the Load returns page.")
elif demo_needed(db):  # no store yet, or a demo store whose first build never finished
    layout.wait_for_demo(db)

page = navigation.navigation(role=user.role)
# Each page its own browser title ("Visits · Children's social care performance"), so a tab,
# a bookmark and a screen reader's window list say which page it is (WCAG 2.4.2).
st.set_page_config(page_title=navigation.browser_title(page.title, APP_TITLE))
month = layout.as_at_picker(api.months(db))
layout.data_banners(
    api.store_kind(db),
    api.last_loaded(db),
    month,
    api.missing_returns(db, month) if month else [],
    quality.replaced_since_board(db, month) if month else [],
    quality.last_board_meeting(),
)
page.run()
