"""The SSD straight from Postgres: a real server, started here from Debian's PostgreSQL
binaries (``scripts/setup.sh --dev`` installs them; skipped only without them) in a
temporary folder on a free port, holding the demo council's synthetic extract in a schema of
its own, as Eclipse councils deploy the SSD. Postgres will not run as root, so under root it
runs as ``nobody``.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from demo import ssd as demo_ssd
from etl.sources.ssd.database import read_tables
from etl.sources.ssd.tables import declaration, read_table

#: The newest PostgreSQL Debian has installed (15 on Debian 12).
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"),
             key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)  # fmt: skip
SIZE = demo_ssd.Size(children=80, workers=8, months=14)
SCHEMA = "ssd_development"
#: The matrix's SQL Server and Postgres types as Postgres columns (the rest as text).
PG_TYPES = {"datetime": "timestamp", "timestamp": "timestamp", "int": "integer"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A connection URL to a fresh Postgres server, stopped and removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}): scripts/setup.sh --dev")
    root = Path(tempfile.mkdtemp(prefix="ssd-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
        as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    data, port = root / "data", _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "LC_ALL": "C.UTF-8"}

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, env=env, capture_output=True, cwd=root)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "ssd", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(root / "log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://ssd@127.0.0.1:{port}/postgres"
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _types() -> dict[tuple[str, str], str]:
    with demo_ssd.COLUMNS.open(encoding="utf-8") as fh:
        return {
            (r["table_name"], r["field_name"]): PG_TYPES.get(r["type"], "text")
            for r in csv.DictReader(fh)
        }


@pytest.fixture(scope="module")
def eclipse(postgres: str) -> dict:
    """The Eclipse build of the demo extract, in Postgres (typed as the matrix types it)."""
    tables = demo_ssd.tables(SIZE, seed=11, build="eclipse")
    types = _types()
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
        for name, frame in tables.items():
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[(name, c)]))
                for c in frame.columns
            )
            target = sql.Identifier(SCHEMA, name)
            cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
            body = frame.to_csv(index=False)
            copy = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(target)
            with cur.copy(copy) as out:
                out.write(body)
    return tables


def _all_dates(read, column: str) -> bool:
    """Whether every value the extract gives in ``column`` is a date (worked out from the
    values, so a date column added to ``ssd.yaml`` needs no list here: ``due`` was missed)."""
    given = read.frame[column].dropna()
    given = given[given.astype(str).str.strip() != ""]
    return len(given) > 0 and bool(read.dates(column)[given.index].notna().all())


def test_tables_read_from_postgres_are_the_extracts_and_nothing_personal(
    postgres: str, eclipse: dict
) -> None:
    files = dict(read_tables(postgres))  # its schema found: the one holding the SSD tables
    declared = declaration().tables
    assert set(files) == {f"{n}.csv" for n, t in declared.items() if t.columns and n in eclipse}
    # Names, dates of birth and UPNs never leave the database: only declared columns come.
    person = files["ssd_person.csv"].decode()
    assert person.splitlines()[0] == "pers_person_id"
    assert all(n not in person for n in eclipse["ssd_person"]["pers_surname"])
    for name, body in files.items():
        table = declared[name.removesuffix(".csv")]
        from_db = read_table(name, body, table)
        from_csv = read_table(name, eclipse[table.name].to_csv(index=False).encode(), table)
        for column in from_db.frame:
            if _all_dates(from_csv, column):  # Postgres writes 2021-03-04 00:00:00: same day
                same = from_db.dates(column).equals(from_csv.dates(column))
            else:
                same = from_db.frame[column].tolist() == from_csv.frame[column].tolist()
            assert same, (name, column)


@pytest.mark.slow
def test_load_ssd_from_the_command_line(postgres: str, eclipse: dict, tmp_path: Path) -> None:
    env = {**os.environ, "CSC_PSEUDONYM_KEY": str(tmp_path / "k")}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "etl", "load-ssd", postgres, "--schema", SCHEMA),
            *("--as-at", "2022-04-01", "--db", str(tmp_path / "store" / "csc.duckdb")),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Caseloads: April 2021 – March 2022" in run.stdout
    assert "127.0.0.1" not in run.stdout + run.stderr  # the URL is never echoed
    wrong = subprocess.run(
        [sys.executable, "-m", "etl", "load-ssd", postgres.replace("/postgres", "/nonesuch")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert wrong.returncode == 2 and "OperationalError" in wrong.stderr
    assert "nonesuch" not in wrong.stderr
