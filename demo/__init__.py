"""The fictional demo council (Northmoor Borough Council) and the build of its store.

Directors and testers need something realistic to look at before a council loads its own
returns, and the repository must never hold real children's data, so the demo is generated.
It is a user of both lower layers, not part of them: it writes the same files a council sends
and loads them through ``etl``, with the council settings of ``metrics.config`` (the visit
timescales its children are seen within, the hour its out-of-hours team hands over by).
"""
