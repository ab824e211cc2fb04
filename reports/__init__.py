"""The board pack: the month's KPIs as a tagged PDF or PowerPoint to take away from the meeting.

``python -m reports board-pack --db FILE --month YYYY-MM --format pdf|pptx --out FILE``; the
board page's download button calls the same ``reports.pack.build_pack``.
``python -m reports compare-csv`` writes "How we compare" as CSV, the DfE's symbols with
their meanings.
"""
