"""Council settings (administrators): every status rule in words, and its numbers and dates to
change, previewed, checked and audited before ``config/council.yaml`` is rewritten."""

from __future__ import annotations

import streamlit as st

from etl.sources.neighbours import NeighbourFileError
from etl.write import store
from metrics import settings_store
from metrics.config import load_config
from metrics.formatting import format_value, uk_date
from metrics.settings_store import EARLIEST, FIELD_LABELS, LATEST, RuleSetting
from metrics.status import describe
from ui.auth import require_role
from ui.state import current_db

SAVED_KEY = "settings:saved"

user = require_role("admin")
db = current_db()
config = load_config()
st.title("Council settings")
st.caption(
    f"From {config.path.name}. Status rules change at once for everyone when saved; every "
    "change is recorded in the audit log with who made it."
)
for line in st.session_state.pop(SAVED_KEY, []):
    st.success(line, icon=":material/check_circle:")


def ask(setting: RuleSetting, name: str) -> object:
    """One field's input, starting from the file's value."""
    key, label = f"settings:{setting.key}:{name}", FIELD_LABELS[name]
    value = getattr(setting.rule, name)
    if name == "date":
        return st.date_input(
            label, value=value, min_value=EARLIEST, max_value=LATEST, format="DD/MM/YYYY", key=key
        )
    if setting.unit == "percent":
        label += " (percentage points)" if name == "warn_within" else " (%)"
    places = "%.0f" if setting.unit == "count" else "%.1f"
    return st.number_input(label, value=float(value), step=1.0, format=places, key=key)


st.subheader("Status rules", divider="gray")
asked: dict[str, dict[str, object]] = {}
for setting in settings_store.rule_settings():
    with st.container(border=True):
        st.markdown(f"**{setting.title}** · `{setting.key}`")
        st.write(describe(setting.rule, setting.unit, setting.higher_better))
        for line in setting.overrides:
            st.caption(f"Instead for {line}.")
        if setting.fixed:
            st.caption(setting.fixed[0].upper() + setting.fixed[1:] + ".")
        if setting.fields:
            asked[setting.key] = {}
            for column, name in zip(st.columns(2), setting.fields, strict=False):
                with column:
                    asked[setting.key][name] = ask(setting, name)

st.subheader("Board meetings", divider="gray")
board_text = st.text_area(
    "Board meeting dates, one a line",
    value="\n".join(uk_date(d) for d in config.board_meeting_dates),
    help="Write each as 31 March 2021 or 31/03/2021. Board packs are dated to these.",
    key="settings:board",
)
board_dates = [line for line in board_text.splitlines() if line.strip()]

st.subheader("Counting settings (read-only here)", divider="gray")
st.markdown(
    "\n".join(
        [
            *(
                f"- Caseload cap, {role}: {format_value(cap, 'count')} children per worker"
                for role, cap in config.caseload_caps.items()
            ),
            f"- Child protection conference due within {config.icpc_limit_working_days} "
            "working days of the strategy discussion",
            f"- Out-of-hours (EDT) contact handed over by "
            f"{config.edt_handover_deadline_hour:02d}:00 on the next working day",
            f"- Assessment authorised within {config.assessment_limit_working_days} working "
            "days of its start",
            f"- Care leaver's pathway plan reviewed at least every "
            f"{config.pathway_plan_review_months} months",
            *(
                f"- Supervision cycle, {plan}: {days} days"
                for plan, days in config.supervision_cycle_days.items()
            ),
            *(
                f"- Last statutory visit on the list date within, {plan}: {timescale} "
                "(local policy)"
                for plan, timescale in config.visit_timescales.items()
            ),
        ]
    )
)
st.info(settings_store.REFRESH_NOTE, icon=":material/info:")

st.subheader("How we compare", divider="gray")
st.caption(
    "The statistical neighbours' figure is drawn beside the council's. LAIT shows their mean; "
    "the DfE's children's social care National Framework dashboard shows their median. "
    f"Neighbours now: {', '.join(str(n.get('name')) for n in config.statistical_neighbours)}."
)
average = st.radio(
    "Neighbours' figure",
    settings_store.NEIGHBOUR_AVERAGES,
    index=settings_store.NEIGHBOUR_AVERAGES.index(config.neighbour_average),
    horizontal=True,
    key="settings:average",
)
table = st.file_uploader(
    "Set the ten neighbours from the DfE's statistical neighbour table (CSV, either layout)",
    type=["csv"],
    key="settings:neighbours",
    help=f"They are read for this council's DfE number, la_code {config.la_code or '(not set)'}.",
)
neighbours = None
if table is not None:
    try:
        neighbours = settings_store.neighbours_in_table(table.getvalue(), config.la_code)
    except NeighbourFileError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.text(  # names from a file: plain text
            f"{len(neighbours)} neighbours in the table, closest first: "
            + ", ".join(n["name"] for n in neighbours)
        )
if st.button("Save how we compare", key="settings:save-compare", icon=":material/save:"):
    try:
        lines = settings_store.save_comparison(
            db,
            user.who,
            neighbours=neighbours,
            average=average,
            source=table.name if table is not None else "",
        )
    except (settings_store.SettingsInvalid, store.StoreBusy) as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.session_state[SAVED_KEY] = [f"Saved. {line}" for line in lines] or [
            "Nothing to change: these are the settings in force."
        ]
        st.rerun()

st.subheader("Check and save", divider="gray")
changes, problems = settings_store.plan(asked, board_dates)
for problem in problems:
    st.error(problem, icon=":material/error:")
if changes:
    st.markdown("**To be saved:**\n" + "\n".join(f"- {c.preview}" for c in changes))
elif not problems:
    st.write("No changes yet: the values above are the ones in force.")
if st.button(
    "Save changes",
    type="primary",
    disabled=not changes or bool(problems),
    icon=":material/save:",
    key="settings:save",
):
    try:
        saved = settings_store.save(db, user.who, asked, board_dates)
    except settings_store.SettingsInvalid as exc:
        for problem in exc.problems:
            st.error(problem, icon=":material/error:")
    except store.StoreBusy:
        st.error(
            "A load is running, so the change could not be recorded in the audit log. Nothing "
            "was changed: try again in a minute.",
            icon=":material/hourglass_top:",
        )
    else:
        st.session_state[SAVED_KEY] = [f"Saved. {c.preview}" for c in saved]
        st.rerun()
