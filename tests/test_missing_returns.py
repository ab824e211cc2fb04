"""Missing returns are normal: a month without one return still draws everywhere.

A council that does not send one of the returns (or has not yet sent it this month) must get
its pages, board mode, narrative and packs, each saying "no <return> return for <month>". The
returns are taken from the declarations, one removed at a time, so a new return is covered
without editing this file.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from demo.files import write_returns
from etl.returns import monthly_returns
from etl.write.load import load_backlog
from etl.write.store import snapshot_path
from metrics import api
from metrics.narrative import kpi_sentences
from metrics.status import NO_DATA
from metrics.summary import summary
from reports.__main__ import main
from tests.conftest import app_reads
from ui.navigation import area_page_path

ROOT = Path(__file__).resolve().parent.parent
MARCH, APRIL = date(2021, 3, 1), date(2021, 4, 1)
#: The return whose absence is also printed in a real PDF pack (each pack takes half a minute).
PRINTED = "supervision"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two months of the demo council's returns (March and April 2021)."""
    return write_returns(tmp_path_factory.mktemp("files"), months=2, end=APRIL)


@pytest.fixture(scope="module")
def march_store(files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every March file, loaded once through the loader: each case copies it
    and loads April's files but one, so a case pays for its own month only."""
    db = tmp_path_factory.mktemp("march") / "csc.duckdb"
    march = [p for p in files if "_2021-04" not in p.name]
    assert all(r.ok for r in load_backlog(db, march))
    return db


def _copy_store(db: Path, to: Path) -> Path:
    """The master and its published snapshot (nothing else is open or half-written)."""
    target = to / db.name
    shutil.copyfile(db, target)
    shutil.copyfile(snapshot_path(db), snapshot_path(target))
    return target


@pytest.mark.parametrize("spec", monthly_returns(), ids=lambda s: s.name)
def test_a_month_without_one_return_draws_everywhere(
    spec, files: list[Path], march_store: Path, tmp_path
) -> None:
    db = _copy_store(march_store, tmp_path)
    april = [p for p in files if "_2021-04" in p.name]
    kept = [p for p in april if not p.name.startswith(f"{spec.name}_2021-04")]
    assert len(kept) < len(april), "the demo writes every monthly return"
    assert all(r.ok for r in load_backlog(db, kept))
    assert spec.title in api.missing_returns(db, APRIL)
    said = f"no {spec.title.lower()} return for April 2021"
    kpis = [k for k in api.all_kpis() if k.return_name == spec.name]
    for k in kpis:
        assert kpi_sentences(db, k.id, APRIL, MARCH) == [f"{k.title}: {said}."]
    # The summary every surface draws says why each of its measures has no figure ...
    lines = {x.kpi: x for x in summary(db, APRIL).lines}
    assert all((lines[k.id].status, lines[k.id].since) == (NO_DATA, said) for k in kpis)
    if spec.name == PRINTED:  # ... and the pack prints it (the same table for every return)
        pdf = tmp_path / "pack.pdf"
        args = ["board-pack", "--db", str(db), "--month", "2021-04", "--format", "pdf"]
        assert main([*args, "--out", str(pdf)]) == 0
        text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert said in " ".join(text.split())
    with app_reads(db):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert not at.exception
        areas = {k.area for k in kpis}
        for page in ["app_pages/board.py", *(area_page_path(a) for a in areas)]:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
