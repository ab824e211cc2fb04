"""Missing returns are normal: a month without one return still draws everywhere.

A council that does not send one of the returns (or has not yet sent it this month) must get
its pages, board mode, narrative and packs, each saying "no <return> return for <month>". The
returns are taken from the declarations, so a new return is covered without editing this file.
Each case checks one return; the returns are left out of April in a few groups (one store a
group, built once) in which no two share an area page, so every area page is drawn with just
the one return missing, as a council without that return would see it.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from demo.files import write_returns
from etl.returns import ReturnSpec, monthly_returns
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
    """A store holding every March file, loaded once through the loader: each group's store
    copies it and loads April's files but the group's, so a group pays for its own month only."""
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


def _areas(spec: ReturnSpec) -> set[str]:
    """The area pages that draw a measure of ``spec``."""
    return {k.area for k in api.all_kpis() if k.return_name == spec.name}


def disjoint_groups(specs: list[ReturnSpec]) -> list[list[ReturnSpec]]:
    """``specs`` in few groups, no two returns of a group drawn on the same area page (each
    return in the first group it fits): a store missing a group's returns in April shows every
    area page as a store missing just one of them would, so one store serves several cases."""
    groups: list[list[ReturnSpec]] = []
    for spec in specs:
        group = next((g for g in groups if not _areas(spec) & set().union(*map(_areas, g))), None)
        if group is None:
            groups.append(group := [])
        group.append(spec)
    return groups


@pytest.fixture(scope="module")
def april_stores(
    files: list[Path], march_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """For each monthly return, a store of March and of April without that return's file
    (nor the others of its group): the cases only read it, so a group's store is shared."""
    april = [p for p in files if "_2021-04" in p.name]
    stores = {}
    for group in disjoint_groups(monthly_returns()):
        db = _copy_store(march_store, tmp_path_factory.mktemp("april"))
        left_out = tuple(f"{spec.name}_2021-04" for spec in group)
        kept = [p for p in april if not p.name.startswith(left_out)]
        assert len(kept) == len(april) - len(group), "the demo writes every monthly return"
        assert all(r.ok for r in load_backlog(db, kept))
        stores |= dict.fromkeys((spec.name for spec in group), db)
    return stores


@pytest.mark.parametrize("spec", monthly_returns(), ids=lambda s: s.name)
def test_a_month_without_one_return_draws_everywhere(
    spec: ReturnSpec, april_stores: dict[str, Path], tmp_path: Path
) -> None:
    db = april_stores[spec.name]
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
