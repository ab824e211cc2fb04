"""Sources: formats mapped onto the declared returns, one module or folder each. The Ofsted
Annex A workbook (``annex_a``), the DfE's published statistics (``ees``), statistical
neighbours (``neighbours``), and the other projects' formats recognised so a file in one is
refused with advice (``formats``), the census XML and SSDA903 tables, and the Standard
Safeguarding Dataset (``ssd/``). A new source is a new module or folder here.
"""
