"""Writing: the last stage. A checked file is loaded into the DuckDB store in one transaction
(``load``, ``store``), kept or refused with its report, recorded in the audit trail
(``audit``), tidied after the council's retention period (``retention``); ``watch`` feeds an
inbox folder to the loader.
"""
