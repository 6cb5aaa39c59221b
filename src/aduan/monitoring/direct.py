"""The same figures as ``selectors``, by plain GROUP BY over the complaints table.

This is what the rollups replace. It is kept for two jobs: the benchmark times it side by side
with the rollups (``make bench``), and the tests check that both give the same numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr

from aduan.agencies.models import Agency
from aduan.complaints.models import OPEN_STATUSES, Clock, Complaint, FollowUp, Status
from aduan.core.calendar import JAKARTA
from aduan.monitoring.facts import RESOLVED_STATUSES, SATISFIED_RATING
from aduan.monitoring.selectors import Period

_DIM_FIELDS = {
    "channel": "channel",
    "kind": "kind",
    "category": "category_id",
    "status": "status",
    "agency": "lead_agency_id",
}


def _start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=JAKARTA)


def complaints(period: Period, agency: Agency | None = None) -> QuerySet[Complaint]:
    last = period.last_month
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    queryset = Complaint.objects.filter(
        submitted_at__gte=_start(period.first_month), submitted_at__lt=_start(end)
    )
    if agency is not None:
        queryset = queryset.filter(lead_agency__path__startswith=agency.path)
    return queryset


def counts(period: Period, agency: Agency | None = None) -> dict[str, int]:
    breached = Clock.objects.filter(
        complaint=OuterRef("pk"),
        kind__in=Clock.STAFF_KINDS,
        state=Clock.State.RUNNING,
        breached_at__isnull=False,
    )
    values: dict[str, Any] = (
        complaints(period, agency)
        .annotate(is_overdue=Exists(breached))
        .aggregate(
            received=Count("pk"),
            verified=Count("pk", filter=Q(verified_at__isnull=False)),
            answered=Count("pk", filter=Q(first_followup_at__isnull=False)),
            resolved=Count("pk", filter=Q(status__in=RESOLVED_STATUSES)),
            resolved_once=Count("pk", filter=Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
            closed=Count("pk", filter=Q(status=Status.CLOSED)),
            backlog=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(is_overdue=True)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            archived=Count("pk", filter=Q(status=Status.ARCHIVED)),
            transferred=Count("pk", filter=Q(status=Status.TRANSFERRED)),
            rated=Count("pk", filter=Q(rating__isnull=False)),
            rating_sum=Sum("rating"),
            satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_RATING)),
        )
    )
    return {name: int(value or 0) for name, value in values.items()}


def breakdown(period: Period, dim: str, agency: Agency | None = None) -> dict[str, dict[str, int]]:
    """Received and resolved per value of ``dim`` (keys as in the rollups)."""
    queryset = complaints(period, agency)
    if dim == "region":
        field = "kabkota"
        queryset = queryset.annotate(kabkota=Substr(Coalesce("region_id", Value("")), 1, 5))
    else:
        field = _DIM_FIELDS[dim]
    rows = queryset.values(field).annotate(
        received=Count("pk"), resolved=Count("pk", filter=Q(status__in=RESOLVED_STATUSES))
    )
    return {
        str(row[field] if row[field] is not None else 0): {
            "received": row["received"],
            "resolved": row["resolved"],
        }
        for row in rows
    }


def compliance(period: Period, agency: Agency | None = None) -> dict[str, tuple[int, int, int]]:
    """(met, missed, overdue) per deadline kind, by the rules of ``facts._clock_outcome``: a
    stopped deadline counts only when what it waited for happened (else it was cancelled), and
    belongs to its hop's agency, or for the resolution to the lead agency."""
    answers = FollowUp.objects.filter(dispatch=OuterRef("dispatch"), state=FollowUp.State.PUBLISHED)
    resolved = Q(complaint__status__in=RESOLVED_STATUSES)
    clocks = Clock.objects.filter(
        complaint__in=complaints(period), kind__in=Clock.STAFF_KINDS
    ).annotate(
        answered_first=Exists(answers.filter(published_at__lte=OuterRef("stopped_at"))),
        answered_later=Exists(
            answers.filter(
                published_at__gte=OuterRef("started_at"),
                published_at__lte=OuterRef("stopped_at"),
            )
        ),
        owner=Coalesce(
            "dispatch__agency_id",
            Case(When(kind=Clock.Kind.RESOLUTION, then="complaint__lead_agency_id")),
        ),
    )
    if agency is not None:
        clocks = clocks.filter(owner__in=agency.subtree().values("pk"))
    fulfilled = (
        Q(kind=Clock.Kind.VERIFY)
        | (Q(kind=Clock.Kind.RESOLUTION) & resolved)
        | Q(kind=Clock.Kind.FIRST_FOLLOWUP, answered_first=True)
        | (Q(kind=Clock.Kind.FOLLOWUP) & (resolved | Q(answered_later=True)))
    )
    decided = (
        Q(state=Clock.State.STOPPED, stopped_at__isnull=False, paused_at__isnull=True) & fulfilled
    )
    rows = clocks.values("kind").annotate(
        n_met=Count("pk", filter=decided & Q(stopped_at__lte=F("due_at"))),
        n_missed=Count("pk", filter=decided & Q(stopped_at__gt=F("due_at"))),
        n_overdue=Count("pk", filter=Q(state=Clock.State.RUNNING, breached_at__isnull=False)),
    )
    return {row["kind"]: (row["n_met"], row["n_missed"], row["n_overdue"]) for row in rows}
