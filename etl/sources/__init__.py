"""Sources: formats mapped onto the declared returns, one module or folder each. The Ofsted
Annex A workbook (``annex_a``), the DfE's published statistics (``ees``), statistical
neighbours (``neighbours``), and the other projects' formats recognised so a file in one is
refused with advice (``formats``). A new source (the CIN census, SSDA903, CSWW) is a new
module or folder here.
"""
