"""Values from the councils' files are shown as typed: a team named like a link, an image, an
HTML tag or bold text makes no link, image, tag or bold on the viewer pages (issue #19).

A copy of the demo store has every team renamed to such a name; the overview's "What changed"
and board mode's team lines and sentences are read from the page as Streamlit would draw
them (the Markdown bodies AppTest sees).
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.write import store
from metrics import api
from metrics.summary import shortened, status_changes
from tests.conftest import app_reads
from ui.layout import plain
from ui.state import AS_AT_KEY, month_key

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "![x](http://example.invalid/a.png)",
    "[click](http://x)",
    '<a href="http://x">x</a>',
    "**bold**",
]
# What a body must never hold once a hostile name is in it: the names' image, link or tag
# made (the page's own images, such as the sparklines, are not the names').
MADE = ['src="http://example.invalid', 'href="http://x', "<a href", "](http", "**bold**"]


@pytest.fixture(scope="module")
def hostile_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo store with every team renamed to a hostile name (the four above, then the
    same four with a number, so names stay unique)."""
    db = tmp_path_factory.mktemp("hostile") / "csc.duckdb"
    shutil.copyfile(demo_db, db)
    with store.open_writer(db) as con:
        teams = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT team FROM kpi_values WHERE team <> 'ALL' ORDER BY team"
            ).fetchall()
        ]
        names = {t: HOSTILE[i % 4] + ("" if i < 4 else f" {i}") for i, t in enumerate(teams)}
        tables = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns "
                "WHERE column_name = 'team' AND table_schema = 'main'"
            ).fetchall()
        ]
        con.execute("BEGIN")
        for table in tables:
            for old, new in names.items():
                con.execute(f"UPDATE {table} SET team = ? WHERE team = ?", [new, old])
        con.execute("COMMIT")
    with app_reads(db):
        yield db


WORD_JOINER = "\u2060"


def _seen(body: str) -> str:
    """The text a reader sees in a body: references decoded, invisible joiners dropped."""
    return html.unescape(body).replace(WORD_JOINER, "")


def _bodies(at: AppTest) -> list[str]:
    """Every Markdown body on the page: markdown, captions, titles, alerts."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def _assert_plain(bodies: list[str]) -> bool:
    """No link, image, tag or bold made; True if a hostile name is on the page, as typed."""
    text = "\n".join(bodies)
    for made in MADE:
        assert made not in text, made
    assert not re.search(r"https?://[\w-]", html.unescape(text)), "a bare address is linkable"
    shown = _seen(text)  # what the reader sees: the names, character for character
    return any(name in shown for name in HOSTILE)


def test_plain_keeps_every_character_and_starts_nothing() -> None:
    for name in [*HOSTILE, "Safeguarding 2", "x\n\n# heading", ":red[x] $x$ www.x.org"]:
        out = plain(name)
        assert _seen(out) == name.replace("\n", " ")
        outside_references = re.sub(r"&#\d+;", "", out)
        assert not set(outside_references) & set("[]()<>*!#_`~|$:&\n")
    assert plain("Safeguarding 2") == "Safeguarding 2"


def test_bare_addresses_are_not_made_links() -> None:
    """GFM links "http://a.b", "www.a.b" and "x@a.b" after decoding references: a word joiner
    (invisible) after "://", "www" and "@" stops it."""
    for address in ["http://example.invalid/a.png", "www.example.invalid", "a@example.invalid"]:
        out = html.unescape(plain(address))
        assert WORD_JOINER in out and _seen(plain(address)) == address
        assert not re.search(r"(https?://|\bwww\.|\w@)[\w-]", out)


def test_overview_changes_show_team_names_as_typed(hostile_db: Path) -> None:
    """ "What changed" puts the council first and shows eight lines: the latest month whose
    eight lines name a team is the one looked at."""
    months = sorted(api.months(hostile_db))
    pairs = (  # looked at lazily: newest first, stopping at the first that names a team
        (now, shortened(status_changes(hostile_db, now, before)))
        for before, now in reversed(list(itertools.pairwise(months)))
    )
    month, changes = next(
        (now, lines) for now, lines in pairs if any(n in x for x in lines for n in HOSTILE)
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.sidebar.selectbox(key=AS_AT_KEY).select(month_key(month)).run()
    assert not at.exception
    bodies = _bodies(at)
    assert _assert_plain(bodies), "no hostile team name reached the page"
    for line in changes:
        assert any(plain(line) in body for body in bodies), line


def test_board_mode_shows_team_names_as_typed(hostile_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/board.py").run()
    assert not at.exception
    named = 0
    for _ in range(8):  # several measures, so screens with teams off track are among them
        named += _assert_plain(_bodies(at))
        next(b for b in at.button if b.label == "Next ▶").click().run()
        assert not at.exception
    assert named, "no screen named a team"
