"""Checking: what a read table must pass before anything is written. The Great Expectations
suites (``suites``, ``staging``, ``validate``), whole-file checks (``whole_file``), dates
(``date_checks``), the file's month (``file_month``), identifiers (``identifiers``), personal
data (``privacy``) and staff names (``pseudonym``).
"""
