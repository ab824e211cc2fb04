"""Commentary, owners and actions for each measure (issue 27): the ``actions`` return loaded,
refused naming the row, carried forward, written in the app (audited) and shown as plain text.

Every store here is a real DuckDB file holding a real visits return; figures expected are
worked out by hand from the few rows written below.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from etl.sources.actions import Entry, EntryChanged, EntryRefused, save_entry
from etl.write import store
from etl.write.load import load_paths
from metrics import actions
from tests.conftest import app_reads, table_checksums
from ui.layout import plain
from ui.navigation import area_page_path

ROOT = Path(__file__).resolve().parent.parent
VISITS = (
    "child_id,team,worker_id,plan_type,due_date,visit_date,seen,seen_alone\n"
    "C100234,Safeguarding 1,W1,CP,10/05/2021,07/05/2021,Y,Y\n"
    "C100235,Safeguarding 1,W1,CIN,2021-05-20,,N,\n"
    "C100236,Children in Care 1,W2,CLA,31/05/2021,02/06/2021,Y,N\n"
)
HEAD = "kpi,team,commentary,action,owner,due_date,action_status\n"
MAY = date(2021, 5, 1)


def put(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def visits_db(db: Path, tmp_path: Path) -> Path:
    """A store holding one month of a visits return (teams Safeguarding 1, Children in Care 1)."""
    [result] = load_paths(db, [put(tmp_path / "in", "visits_2021-05.csv", VISITS)])
    assert result.ok, result.report.to_text()
    return db


def load_actions(db: Path, folder: Path, name: str, text: str):
    [result] = load_paths(db, [put(folder, name, HEAD + text)])
    return result


def test_loads_by_id_or_title_for_the_council_or_a_team(visits_db: Path, tmp_path: Path) -> None:
    result = load_actions(
        visits_db,
        tmp_path / "a",
        "actions_2021-05.csv",
        # by id, for the council; by its title as shown, for a team; commentary only
        "visits_in_time_pct,,Two of three visits in time.,Duty rota,Head of Safeguarding,"
        "30/06/2021,open\n"
        "Statutory visits done in time with the child seen,Safeguarding 1,One late visit.,"
        "Weekly check,Team Manager,15/06/2021,In progress\n"
        "visits_seen_alone_pct,,Seen alone is steady.,,,,\n",
    )
    assert result.status == "loaded", result.report.to_text()
    frame = actions.month_actions(visits_db, MAY, today=date(2021, 5, 31))
    got = {(r["kpi"], r["team"]): r for r in frame.to_dict("records")}
    assert set(got) == {
        ("visits_in_time_pct", ""),
        ("visits_in_time_pct", "Safeguarding 1"),
        ("visits_seen_alone_pct", ""),
    }
    team = got[("visits_in_time_pct", "Safeguarding 1")]
    assert (team["action"], team["owner"], team["status"]) == (
        "Weekly check",
        "Team Manager",
        "OPEN",
    )
    assert team["due_date"] == date(2021, 6, 15) and not team["overdue"]
    assert got[("visits_seen_alone_pct", "")]["status"] == ""  # no action: nothing to be open
    # Commentary is not figures: the store's kind is still the visits return's, and the
    # coverage grid does not expect it every month.
    con = store.open_reader(visits_db)
    try:
        assert store.store_kind(con) == "real"
    finally:
        con.close()


def test_open_actions_carry_forward_until_done(visits_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a"
    load_actions(
        visits_db, folder, "actions_2021-05.csv",
        "visits_in_time_pct,,Late visits.,Duty rota,Head of Safeguarding,15/06/2021,open\n",
    )  # fmt: skip
    # June: no file. The May action is carried: open since May, May and June = 2 months;
    # due 15 June, before the end of June, so past due.
    [june] = actions.open_actions(visits_db, date(2021, 6, 1), today=date(2022, 1, 1)).to_dict(
        "records"
    )
    assert june["carried"] and june["commentary"] == ""  # May's words are May's
    assert (june["months_open"], june["overdue"]) == (2, True)
    assert june["open_since"] == MAY and june["written"] == MAY
    words = actions.action_words(june)
    assert "open since May 2021 (2 months)" in words and "past due" in words
    assert "carried from May 2021" in words
    # Viewed on 10 June (June not over), the action is not yet past due (due 15 June).
    [early] = actions.open_actions(visits_db, date(2021, 6, 1), today=date(2021, 6, 10)).to_dict(
        "records"
    )
    assert not early["overdue"]
    # July: the same action written again, still open: open since May = 3 months.
    load_actions(
        visits_db, folder, "actions_2021-07.csv",
        "visits_in_time_pct,,Still late.,Duty rota,Head of Safeguarding,15/06/2021,open\n",
    )  # fmt: skip
    [july] = actions.open_actions(visits_db, date(2021, 7, 1)).to_dict("records")
    assert (july["months_open"], july["carried"], july["commentary"]) == (3, False, "Still late.")
    # August: marked done. It shows as done in August, is not open, and is gone by September.
    load_actions(
        visits_db, folder, "actions_2021-08.csv",
        "visits_in_time_pct,,Back in time.,Duty rota,Head of Safeguarding,15/06/2021,complete\n",
    )  # fmt: skip
    aug = actions.month_actions(visits_db, date(2021, 8, 1))
    assert list(aug["status"]) == ["DONE"] and not aug["overdue"].any()
    assert actions.open_actions(visits_db, date(2021, 8, 1)).empty
    assert actions.month_actions(visits_db, date(2021, 9, 1)).empty


@pytest.mark.parametrize(
    ("text", "check", "column", "row"),
    [
        ("nosuch_kpi,,Words.,,,,\n", "unknown_kpi", "kpi", 2),
        ("visits_in_time_pct,,Fine.,,,,\nvisits_in_time_pct,Team Nowhere,x,,,,\n",
         "unknown_team", "team", 3),
    ],
)  # fmt: skip
def test_unknown_measure_or_team_is_refused_naming_the_row(
    visits_db: Path, tmp_path: Path, text: str, check: str, column: str, row: int
) -> None:
    before = table_checksums(visits_db)
    result = load_actions(visits_db, tmp_path / "a", "actions_2021-05.csv", text)
    assert result.status == "rejected"
    [problem] = [p for p in result.report.problems if p.check == check]
    assert (problem.column, problem.example_rows) == (column, [row])
    assert table_checksums(visits_db) == before


#: A child's identifier in commentary, each a different kind; the value never comes back.
IDENTIFIERS = {
    "nhs": ("Child 943 476 5919 waited longest.", "943 476 5919"),  # 9434765919 passes mod 11
    "upn": ("Pupil A123456789012 missed school.", "A123456789012"),
    "postcode": ("The family moved to ZZ99 3WZ.", "ZZ99 3WZ"),
    "birth": ("Child born 02/03/2015 was late.", "02/03/2015"),
    "birth_date": ("Seen on 14/03/2015 only.", "14/03/2015"),  # 6 years before May 2021
    "child_id": ("C100235 was not visited.", "C100235"),  # a child_id of the visits return
}


@pytest.mark.parametrize("kind", list(IDENTIFIERS))
def test_commentary_holding_a_childs_identifier_is_refused_unechoed_and_not_kept(
    visits_db: Path, tmp_path: Path, kind: str
) -> None:
    words, value = IDENTIFIERS[kind]
    before = table_checksums(visits_db)
    result = load_actions(
        visits_db, tmp_path / "a", "actions_2021-05.csv",
        f"visits_in_time_pct,,Fine.,,,,\nvisits_seen_alone_pct,,\"{words}\",,,,\n",
    )  # fmt: skip
    assert result.status == "rejected"
    [problem] = result.report.problems
    assert (problem.check, problem.column, problem.example_rows) == (
        "real_world_identifier", "commentary", [3],
    )  # fmt: skip
    assert value not in result.report.to_json() + result.message
    assert table_checksums(visits_db) == before
    # Only the report is kept, never the file that held the identifier.
    kept = list((visits_db.parent / "rejected").iterdir())
    assert [p.name.endswith(".report.json") for p in kept] == [True]
    assert value not in kept[0].read_text()


HOSTILE = {
    "html": '<a href="http://evil.example">click</a><script>alert(1)</script>',
    "markdown link": "[Ofsted said so](http://evil.example) **bold**",
    "formula": '=HYPERLINK("http://evil.example","x")',
}


def test_hostile_commentary_is_stored_as_written_and_drawn_inert(
    visits_db: Path, tmp_path: Path
) -> None:
    rows = "".join(
        f'{kpi},,"{text.replace(chr(34), chr(34) * 2)}",,,,\n'
        for kpi, text in zip(
            ["visits_in_time_pct", "visits_seen_alone_pct", "visits_asat_in_timescale_pct"],
            HOSTILE.values(),
            strict=True,
        )
    )
    result = load_actions(visits_db, tmp_path / "a", "actions_2021-05.csv", rows)
    assert result.status == "loaded", result.report.to_text()
    frame = actions.month_actions(visits_db, MAY)
    assert sorted(frame["commentary"]) == sorted(HOSTILE.values())
    for text in HOSTILE.values():  # on a page: no tag, link or bold is made
        drawn = plain(text)
        assert "<" not in drawn and "](" not in drawn and "**" not in drawn
    csv = pd.read_csv(io.BytesIO(actions.export_csv(frame)), encoding="utf-8-sig")
    assert "'" + HOSTILE["formula"] in list(csv["Commentary"])
    sheet = openpyxl.load_workbook(io.BytesIO(actions.export_xlsx(frame, MAY))).active
    cells = [c.value for c in sheet["D"]]
    assert "'" + HOSTILE["formula"] in cells and HOSTILE["formula"] not in cells


def test_long_commentary_is_refused(visits_db: Path, tmp_path: Path) -> None:
    result = load_actions(
        visits_db, tmp_path / "a", "actions_2021-05.csv", f"visits_in_time_pct,,{'a' * 1001},,,,\n"
    )
    assert result.status == "rejected"
    assert [p.check for p in result.report.problems] == ["text_length"]


def test_a_demo_store_takes_commentary(db: Path, tmp_path: Path) -> None:
    load_paths(db, [put(tmp_path / "in", "visits_2021-05.csv", VISITS)], kind="demo")
    # The command line loads as "real"; commentary is not figures, so a demo store takes it.
    result = load_actions(db, tmp_path / "a", "actions_2021-05.csv", "visits_in_time_pct,,x,,,,\n")
    assert result.status == "loaded", result.report.to_text()


def test_an_entry_saved_in_the_app_is_audited_and_never_overwrites_silently(
    visits_db: Path, tmp_path: Path
) -> None:
    load_actions(
        visits_db, tmp_path / "a", "actions_2021-05.csv",
        "Statutory visits done in time with the child seen,,From the file.,,,,\n",
    )  # fmt: skip
    start, seen = actions.stored_entry(visits_db, MAY, "visits_in_time_pct", "")
    assert start["commentary"] == "From the file." and seen is not None
    new = Entry("Better now.", "Duty rota", "Head of Safeguarding", date(2021, 6, 30), "")
    save_entry(visits_db, "manager@northmoor.example", MAY, "visits_in_time_pct", "", new, seen)
    [entry] = actions.month_actions(visits_db, MAY).to_dict("records")
    assert (entry["commentary"], entry["status"]) == ("Better now.", "OPEN")  # the file's row gone
    # A second editor who opened the page before that save is refused: nothing overwritten.
    with pytest.raises(EntryChanged):
        save_entry(
            visits_db, "other@northmoor.example", MAY, "visits_in_time_pct", "", Entry("x"), seen
        )
    # A child's identifier is refused, naming the field, never echoing it; nothing written.
    _, now = actions.stored_entry(visits_db, MAY, "visits_in_time_pct", "")
    with pytest.raises(EntryRefused) as refused:
        save_entry(visits_db, "m", MAY, "visits_in_time_pct", "", Entry("See 943 476 5919."), now)
    assert "commentary" in str(refused.value) and "943" not in str(refused.value)
    con = store.open_reader(visits_db)
    try:
        audit = con.execute(
            "SELECT who, what, detail FROM audit WHERE action = 'commentary'"
        ).fetchall()
        source = con.execute(
            "SELECT source, status FROM load_log WHERE file_name LIKE 'area page%'"
        ).fetchall()
    finally:
        con.close()
    [(who, what, detail)] = audit
    assert (who, what) == (
        "manager@northmoor.example",
        "visits_in_time_pct · whole council · 2021-05",
    )
    detail = json.loads(detail)
    assert detail["before"]["commentary"] == "From the file."
    assert detail["after"] == {
        "commentary": "Better now.", "action": "Duty rota", "owner": "Head of Safeguarding",
        "due_date": "2021-06-30", "action_status": "OPEN",
    }  # fmt: skip
    assert source == [("app", "replaced")]  # a later file for May says it replaces this


def test_a_manager_writes_commentary_on_the_area_page(visits_db: Path) -> None:
    """AppTest: the visits page's first measure's editor saves; the page then shows the words
    as plain text beside the measure, and the audit has the change."""
    with app_reads(visits_db):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(area_page_path("visits")).run()
        assert not at.exception
        commentary = next(t for t in at.text_area if t.label == "Commentary")
        commentary.input("Two of three visits in time; [see](http://x.example)")
        next(t for t in at.text_area if t.label == "Action").input("Duty rota for leave")
        next(t for t in at.text_input if t.label.startswith("Owner")).input("Head of Safeguarding")
        next(b for b in at.button if b.label == "Save").click().run()
        assert not at.exception, at.exception
        shown = " ".join(m.value for m in at.markdown)
        assert plain("Two of three visits in time; [see](http://x.example)") in shown
        assert plain("Duty rota for leave. Owner: Head of Safeguarding") in shown
        assert any("Saved May 2021" in s.value for s in at.success)
    [entry] = actions.month_actions(visits_db, MAY).to_dict("records")
    assert entry["kpi"] == "visits_in_time_pct" and entry["owner"] == "Head of Safeguarding"
    con = store.open_reader(visits_db)
    try:
        assert con.execute("SELECT count(*) FROM audit WHERE action = 'commentary'").fetchone() == (
            1,
        )
    finally:
        con.close()


def test_metrics_show_prints_the_words_beside_the_measure(
    visits_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from metrics.__main__ import main

    load_actions(
        visits_db, tmp_path / "a", "actions_2021-05.csv",
        "visits_in_time_pct,,\"Late\x1b[31m visits.\",Duty rota,Head of Safeguarding,,open\n",
    )  # fmt: skip
    assert main(["show", "--db", str(visits_db), "--month", "2021-05"]) == 0
    out = capsys.readouterr().out
    assert "commentary: Late [31m visits." in out  # the terminal's escape drawn as a space
    assert "action: Duty rota. Owner: Head of Safeguarding; open since May 2021 (1 month)." in out


def test_the_demo_council_writes_about_its_reds(demo_db: Path) -> None:
    """Every measure the demo writes about, for the council or the team it names, was off
    track or at risk in one of its last three months; its March 2022 open actions include one
    past due and carried from January."""
    from metrics import api

    months = [date(2022, 1, 1), date(2022, 2, 1), date(2022, 3, 1)]
    values = api.kpi_values(demo_db, months=months)
    red = values[values["status"].isin(["off track", "at risk"])]
    reds = set(zip(red["kpi"], red["team"], strict=True))
    written = set()
    for month in months:
        frame = actions.month_actions(demo_db, month)
        written |= set(zip(frame["kpi"], frame["team"].replace("", "ALL"), strict=True))
    assert len(written) >= 8 and written <= reds, written - reds
    open_now = actions.open_actions(demo_db, date(2022, 3, 1)).to_dict("records")
    late = [e for e in open_now if e["overdue"]]
    assert late and all(e["owner"] for e in open_now)
    # Recruit agency cover: written in January, due 28 February, written again in March.
    cover = next(e for e in late if e["kpi"] == "caseload_workers_over_cap")
    assert (cover["open_since"], cover["months_open"]) == (date(2022, 1, 1), 3)


def test_the_upload_page_loads_commentary_and_refuses_an_nhs_number(visits_db: Path) -> None:
    """AppTest: the Load returns page takes an actions file like any return; one holding an
    NHS number is refused naming the column and row, the number never shown."""
    good = (HEAD + "visits_in_time_pct,,Uploaded words.,,,,\n").encode()
    bad = (HEAD + "visits_in_time_pct,,Child 943 476 5919 waited.,,,,\n").encode()
    with app_reads(visits_db):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        at.switch_page("app_pages/load_returns.py").run()
        at.get("file_uploader")[0].set_value(("actions_2021-05.csv", good, "text/csv"))
        at.run()
        next(b for b in at.button if (b.key or "").startswith("load:")).click().run()
        assert not at.exception and any(s.value.startswith("Loaded:") for s in at.success)
        at.get("file_uploader")[0].set_value(("actions_2021-06.csv", bad, "text/csv"))
        at.run()
        shown = " ".join(e.value for e in [*at.error, *at.markdown, *at.caption])
    # (the number in no spacing: "943" alone turned up in the report's time-stamped name)
    assert "NHS number" in shown
    assert not any(n in shown for n in ("943 476 5919", "9434765919", "476 5919"))
    [entry] = actions.month_actions(visits_db, MAY).to_dict("records")
    assert entry["commentary"] == "Uploaded words."
    assert actions.month_actions(visits_db, date(2021, 6, 1)).empty  # nothing of June's file


def test_the_drop_folder_keeps_only_the_report_of_a_refused_commentary(
    visits_db: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    path = put(inbox, "actions_2021-05.csv", HEAD + "visits_in_time_pct,,At ZZ99 3WZ.,,,,\n")
    [result] = load_paths(visits_db, [path], source="watch", move_to_processed=True)
    assert result.status == "rejected" and not path.exists()
    kept = [p.name for p in (visits_db.parent / "rejected").iterdir()]
    assert len(kept) == 1 and kept[0].endswith(".report.json")
