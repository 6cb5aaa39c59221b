"""Reads for the Open311 server: public complaints only (``selectors.public_complaints``), with
what a GeoReport v2 request carries, in one query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from aduan.agencies.models import Category, CategoryField
from aduan.api.models import ApiClient
from aduan.complaints import selectors
from aduan.complaints.models import Clock, Complaint, FollowUp, Status
from aduan.complaints.services import normalize_tracking_id
from aduan.open311.models import Open311Request

# GeoReport v2 knows two states. A resolved complaint counts as closed: the agency has finished
# its work (a reopen by the reporter makes it open again); archived, transferred and merged
# ones are closed too (and are never public).
OPEN311_STATUS: dict[str, str] = {
    Status.SUBMITTED: "open",
    Status.ON_HOLD: "open",
    Status.DISPATCHED: "open",
    Status.IN_PROGRESS: "open",
    Status.RESOLVED: "closed",
    Status.CLOSED: "closed",
    Status.ARCHIVED: "closed",
    Status.TRANSFERRED: "closed",
}


def statuses_for(open311_statuses: Iterable[str]) -> list[str]:
    """Our statuses that count as any of ``open311_statuses`` ("open", "closed")."""
    wanted = set(open311_statuses)
    return [status for status, mapped in OPEN311_STATUS.items() if mapped in wanted]


def services() -> QuerySet[Category]:
    """Active categories with their group (parent) and whether they ask extra questions."""
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .annotate(has_fields=Exists(CategoryField.objects.filter(category=OuterRef("pk"))))
        .order_by("name", "id")
    )


def service(code: str) -> Category | None:
    """An active category by its code, or None."""
    return Category.objects.filter(is_active=True, code=code).first()


def service_fields(category: Category) -> list[CategoryField]:
    return list(category.extra_fields.order_by("order", "id"))


def _with_request_fields(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    latest_followup = FollowUp.objects.filter(
        complaint=OuterRef("pk"), state=FollowUp.State.PUBLISHED
    ).order_by("-published_at", "-id")
    # Of the deadlines ``selectors.open_clocks`` lists, those officers owe: the resolution
    # deadline while it runs (when the request should be fulfilled), else the soonest one (verify
    # or follow-up). The reporter's windows (auto-close, hold) are not the city's promise.
    next_deadline = Clock.objects.filter(
        complaint=OuterRef("pk"),
        state__in=[Clock.State.RUNNING, Clock.State.PAUSED],
        kind__in=Clock.STAFF_KINDS,
    ).order_by(Case(When(kind=Clock.Kind.RESOLUTION, then=Value(0)), default=Value(1)), "due_at")
    return queryset.select_related("category", "lead_agency", "region", "open311_request").annotate(
        status_notes=Subquery(latest_followup.values("body")[:1]),
        expected_at=Subquery(next_deadline.values("due_at")[:1]),
    )


def public_requests(
    *,
    tracking_ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Complaint]:
    """Public complaints as service requests, newest first. ``tracking_ids`` overrides the
    other filters (as the specification says of ``service_request_id``)."""
    queryset = selectors.public_complaints()
    if tracking_ids is not None:
        queryset = queryset.filter(
            tracking_id__in=[normalize_tracking_id(value) for value in tracking_ids]
        )
    else:
        if service_codes:
            queryset = queryset.filter(category__code__in=service_codes)
        if statuses:
            queryset = queryset.filter(status__in=statuses_for(statuses))
        window = Q()
        if start is not None:
            window &= Q(submitted_at__gte=start)
        if end is not None:
            window &= Q(submitted_at__lte=end)
        queryset = queryset.filter(window)
    return _with_request_fields(queryset).order_by("-submitted_at", "-id")


def public_request(tracking_id: str) -> Complaint | None:
    """One public complaint as a service request, or None."""
    return public_requests(tracking_ids=[tracking_id]).first()


def client_request(client: ApiClient, tracking_id: str) -> Complaint | None:
    """A request ``client`` sent itself, in any state (its status before verification is
    "open"). The answer carries no personal data, like every request here."""
    queryset = Complaint.objects.filter(
        open311_request__client=client, tracking_id=normalize_tracking_id(tracking_id)
    )
    return _with_request_fields(queryset).first()


def request_for_token(token: str) -> str | None:
    """The tracking ID of the request received under ``token``, or None."""
    return (
        Open311Request.objects.filter(token=token)
        .values_list("complaint__tracking_id", flat=True)
        .first()
    )
