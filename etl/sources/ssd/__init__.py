"""The Standard Safeguarding Dataset (SSD): a council's ``ssd_*`` tables, as CSV extracts or
straight from its reporting database, filling the dashboard's existing returns.

``ssd.yaml`` declares the tables, their columns (with other builds' names), the personal
columns never read, and what each return is filled from; ``tables`` recognises and reads a
table; ``fill`` works out each return's rows month by month; ``check`` puts them through each
return's own checks; ``database`` reads the tables from Postgres; ``settings`` the council's.
"""

from etl.sources.ssd.check import ORIGIN, check_set, digest
from etl.sources.ssd.tables import recognise, zip_members

__all__ = ["ORIGIN", "check_set", "digest", "recognise", "zip_members"]
