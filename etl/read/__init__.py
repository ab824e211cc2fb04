"""Reading: the first stage a file meets. Its bytes are sniffed (size, encoding, layout:
``sniff``), read as CSV rows (``csv_rows``) or workbook sheets (``workbook``, ``xlsx``), and
turned into a declared return's table with personal columns dropped (``reader``).
"""
