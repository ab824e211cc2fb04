"""The SSD read straight from the council's reporting database (Postgres: Eclipse's home).

Each declared ``ssd_*`` table is copied out with Postgres' own ``COPY … TO STDOUT (FORMAT
csv)``, selecting only the columns ``ssd.yaml`` reads: names, dates of birth, UPNs and
addresses never leave the database. The CSV bytes then go through exactly the path a folder
of extracts takes (``check.check_set``). SQL Server councils export with ``bcp`` instead
(docs/ssd.md): no SQL Server driver ships that could not be tested here.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from etl.report import FileRejected, Finding
from etl.sources.ssd.tables import declaration


def _schema(cur: psycopg.Cursor, wanted: str | None) -> str:
    """The schema given, or the one holding the most declared SSD tables."""
    if wanted:
        return wanted
    cur.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = ANY(%s) "
        "GROUP BY table_schema ORDER BY count(*) DESC, table_schema LIMIT 1",
        (list(declaration().tables),),
    )
    row = cur.fetchone()
    if row is None:
        raise FileRejected(
            Finding(
                check="ssd_no_tables",
                message="The database holds no ssd_* table the dashboard reads",
                fix="Check the connection names the SSD's database (and --schema its schema).",
            )
        )
    return row[0]


def read_tables(url: str, schema: str | None = None) -> list[tuple[str, bytes]]:
    """Each declared SSD table the database has, as ``(ssd_<table>.csv, CSV bytes)`` of
    the columns the dashboard reads (every other name of a column, other builds' too)."""
    out = []
    with psycopg.connect(url, connect_timeout=30) as con, con.cursor() as cur:
        schema = _schema(cur, schema)
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            (schema,),
        )
        present: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            present.setdefault(table, []).append(column)
        for name, table in declaration().tables.items():
            if name not in present or not table.columns:
                continue
            wanted = {n for names in table.columns.values() for n in names}
            columns = [c for c in present[name] if c.lower() in wanted]
            if not columns:  # the loader names what it needed from this table
                continue
            query = sql.SQL("COPY (SELECT {} FROM {}.{}) TO STDOUT (FORMAT csv, HEADER true)")
            query = query.format(
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.Identifier(schema),
                sql.Identifier(name),
            )
            body = bytearray()
            with cur.copy(query) as copy:
                for block in copy:
                    body += block
            out.append((f"{name}.csv", bytes(body)))
    return out
