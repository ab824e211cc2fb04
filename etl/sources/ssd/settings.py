"""The council's settings an SSD extract is read with (``config/council.yaml``)."""

from __future__ import annotations

from etl.sources.ssd.fill import Settings


def council() -> Settings:
    """The visiting timescales (the SSD has no due date) and the job-title mapping."""
    # Imported here: the council's settings live in metrics (as etl.sources.census reads them).
    from metrics.config import load_config

    config = load_config()
    return Settings(
        visit_timescales={p: (t.amount, t.unit) for p, t in config.visit_timescales.items()},
        job_titles=dict(config.ssd_job_titles),
    )
