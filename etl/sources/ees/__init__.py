"""The DfE's published local-authority statistics ("explore education statistics"): a table
converted onto the benchmarks return (``convert``, which also says what a file is without
loading it) and loaded through the checked path (``importer``).
"""
