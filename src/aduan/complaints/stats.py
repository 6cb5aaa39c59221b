"""Headline figures for the public home page (DESIGN §1.5: received, % resolved, responsiveness).

Definitions, for the calendar year in Asia/Jakarta (1 January 00:00 to 1 January 00:00 of the
next year), counting complaints by their ``submitted_at``:

- **received**: every complaint submitted in the year, whatever happened to it since (archived,
  transferred and merged reports included: they were received).
- **% resolved**: of those received, the share whose status is now ``resolved`` (answered,
  awaiting the reporter's response) or ``closed``; ``None`` when nothing was received.
- **median time to first follow-up**: the median of ``first_followup_at - submitted_at`` over the
  year's complaints that have had a published follow-up; ``None`` when none has.

The figures are cached for :data:`CACHE_SECONDS` (one cache entry per year), so the home page
costs at most a few indexed aggregate queries every few minutes, not on every visit. On
PostgreSQL the median is one ``percentile_cont`` aggregate; elsewhere (SQLite, the embedded
set-up) it is computed in Python from at most :data:`MEDIAN_SAMPLE_LIMIT` of the year's most
recent answered complaints, which is exact for any instansi that small.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Extract

from aduan.complaints.models import Complaint, Status
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date

CACHE_SECONDS = 300
MEDIAN_SAMPLE_LIMIT = 10_000
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)


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


class _Median(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(0.5)``."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), datetime.min.time(), tzinfo=JAKARTA)
    end = datetime.combine(date(year + 1, 1, 1), datetime.min.time(), tzinfo=JAKARTA)
    return start, end


def _median_first_followup(answered: QuerySet[Complaint]) -> timedelta | None:
    if connection.vendor == "postgresql":
        waited = ExpressionWrapper(
            F("first_followup_at") - F("submitted_at"), output_field=DurationField()
        )
        seconds = answered.aggregate(median=_Median(Extract(waited, "epoch")))["median"]
        return None if seconds is None else timedelta(seconds=float(seconds))
    pairs = answered.order_by("-submitted_at").values_list("submitted_at", "first_followup_at")[
        :MEDIAN_SAMPLE_LIMIT
    ]
    waits = [
        (answered_at - submitted).total_seconds()
        for submitted, answered_at in pairs
        if answered_at is not None
    ]
    return timedelta(seconds=statistics.median(waits)) if waits else None


def compute_headline_figures(year: int) -> HeadlineFigures:
    """The figures for ``year``, straight from the database (two aggregate queries)."""
    start, end = _year_bounds(year)
    received = Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    counts: dict[str, Any] = received.aggregate(
        received=Count("pk"), resolved=Count("pk", filter=Q(status__in=RESOLVED_STATUSES))
    )
    answered = received.filter(first_followup_at__isnull=False)
    return HeadlineFigures(
        year=year,
        received=counts["received"] or 0,
        resolved=counts["resolved"] or 0,
        median_first_followup=_median_first_followup(answered),
    )


def headline_figures(year: int | None = None) -> HeadlineFigures:
    """The figures for ``year`` (default: this year in Asia/Jakarta), cached a few minutes."""
    if year is None:
        year = local_date(clock.now()).year
    key = f"aduan:stats:headline:{year}"
    figures = cache.get(key)
    if not isinstance(figures, HeadlineFigures):
        figures = compute_headline_figures(year)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def forget_headline_figures(year: int | None = None) -> None:
    """Drop the cached figures (tests; or after a bulk import)."""
    if year is None:
        year = local_date(clock.now()).year
    cache.delete(f"aduan:stats:headline:{year}")
