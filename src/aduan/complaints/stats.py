"""Headline figures for the public home page (DESIGN §1.5: received, % resolved, responsiveness).

For the calendar year in Asia/Jakarta, counting complaints by their ``submitted_at``, read from
the monitoring rollups (``aduan.monitoring.selectors``: a few rows, and the same numbers as
``/statistik/`` and the dashboards, fresh within seconds):

- **received**: every complaint submitted in the year, whatever happened to it since (archived,
  transferred and merged reports included: they were received).
- **% resolved**: of those received, the share whose status is now ``resolved`` (answered,
  awaiting the reporter's response) or ``closed``; ``None`` when nothing was received.
- **median time to first follow-up**: the median of ``first_followup_at - submitted_at`` over the
  year's complaints that have had a published follow-up (from the rollups' duration histogram,
  interpolated inside its bucket); ``None`` when none has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aduan.core import clock
from aduan.core.calendar import local_date


@dataclass(frozen=True)
class HeadlineFigures:
    """What the home page shows for one year (see the module docstring for the definitions)."""

    year: int
    received: int
    resolved: int
    median_first_followup: timedelta | None

    @property
    def resolved_percent(self) -> float | None:
        if not self.received:
            return None
        return 100.0 * self.resolved / self.received


def headline_figures(year: int | None = None) -> HeadlineFigures:
    """The figures for ``year`` (default: this year in Asia/Jakarta)."""
    from aduan.monitoring import selectors

    if year is None:
        year = local_date(clock.now()).year
    period = selectors.Period(year)
    counts = selectors.counts(period)
    hours = selectors.stage_medians(period)["answer"]
    return HeadlineFigures(
        year=year,
        received=counts["received"],
        resolved=counts["resolved"],
        median_first_followup=None if hours is None else timedelta(hours=hours),
    )
