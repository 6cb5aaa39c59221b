"""Staff work queues: scoped reads for the back office's lists (verification, agency inbox,
approval, supervisory, overdue, leadership).

Every queue starts from what the user may see: ``selectors.complaint_list(user)`` (which starts
from ``policies.visible_to(user)``), or ``Dispatch`` / ``FollowUp`` / ``Clock`` rows restricted
the same way (an active dispatch to one of the user's agencies or their sub-units). Lists are
paged by keyset on the ordering each function documents; counts are bounded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from aduan.accounts.models import Role
from aduan.agencies.models import Agency
from aduan.complaints import policies, selectors
from aduan.complaints.models import (
    OPEN_STATUSES,
    Clock,
    Complaint,
    Dispatch,
    FollowUp,
    Instruction,
    Status,
)
from aduan.complaints.services import FOLLOWUP_STATES
from aduan.core import clock as service_clock

# A deadline within this window is "due soon" (about one working day; fixed, not a setting, so
# every officer and every report means the same by it).
DUE_SOON_WINDOW = timedelta(hours=24)
# Counts on the start page stop here; more is shown as "99+".
COUNT_LIMIT = 100

# Keyset orderings of the queues (the last term is unique).
VERIFICATION_ORDER = ("submitted_at", "id")
INBOX_ORDER = ("dispatched_at", "id")
APPROVAL_ORDER = ("submitted_at", "id")
SUPERVISORY_ORDER = ("submitted_at", "id")
DEADLINE_ORDER = ("due_at", "id")
INSTRUCTION_ORDER = ("-created_at", "-id")

VERIFYING_STATUSES = (Status.SUBMITTED, Status.ON_HOLD)
OPEN_CLOCK_STATES = (Clock.State.RUNNING, Clock.State.PAUSED)


class DeadlineState(StrEnum):
    """How a deadline stands now, as the badges show it."""

    OVERDUE = "overdue"
    SOON = "soon"
    OK = "ok"
    PAUSED = "paused"
    REPORTER = "reporter"  # the reporter's window (auto-close, hold): it expires, never breaches


def deadline_state(item: Clock, now: datetime | None = None) -> DeadlineState:
    now = now or service_clock.now()
    if item.kind not in Clock.STAFF_KINDS:
        return DeadlineState.REPORTER
    if item.state == Clock.State.PAUSED:
        return DeadlineState.PAUSED
    if item.due_at < now:
        return DeadlineState.OVERDUE
    if item.due_at < now + DUE_SOON_WINDOW:
        return DeadlineState.SOON
    return DeadlineState.OK


def bounded_count(queryset: QuerySet[Any], limit: int = COUNT_LIMIT) -> int:
    """How many rows, counting no further than ``limit`` (a sliced subquery, never a full
    COUNT(*))."""
    return queryset.order_by().values("pk")[:limit].count()


# --- the user's agencies -------------------------------------------------------------------


def _agency_ids(user: Any, roles: Sequence[str]) -> list[int]:
    """Ids of the agencies (with their sub-units) where ``user`` holds one of ``roles``.

    One small query for all roles, remembered on the user object for the request.
    """
    staff = policies.staff_roles(user)
    # Keyed by the roles object, so ``policies.forget_roles`` forgets these too.
    cached = getattr(user, "_aduan_queue_agency_ids", None)
    cache: dict[str, list[int]] | None = (
        cached[1] if isinstance(cached, tuple) and cached[0] is staff else None
    )
    if cache is None:
        paths = {path for paths in staff.agency_paths.values() for path in paths}
        by_path: dict[str, list[int]] = defaultdict(list)
        if paths:
            condition = Q()
            for path in paths:
                condition |= Q(path__startswith=path)
            for pk, path in Agency.objects.filter(condition).order_by().values_list("pk", "path"):
                for prefix in paths:
                    if path.startswith(prefix):
                        by_path[prefix].append(pk)
        cache = dict(by_path)
        if getattr(user, "is_authenticated", False):
            user._aduan_queue_agency_ids = (staff, cache)
    ids: set[int] = set()
    for role in roles:
        for path in staff.agency_paths.get(role, ()):
            ids.update(cache.get(path, ()))
    return sorted(ids)


# --- queues --------------------------------------------------------------------------------


def verification_queue(user: Any) -> QuerySet[Complaint]:
    """Complaints waiting for verification (submitted or on hold) that ``user`` verifies:
    coordinators all of them, the Inspectorate the supervisory ones. Page on
    ``VERIFICATION_ORDER`` (oldest first)."""
    roles = policies.staff_roles(user)
    queryset = selectors.complaint_list(user).filter(status__in=VERIFYING_STATUSES)
    if roles.has(Role.COORDINATOR):
        return queryset.order_by(*VERIFICATION_ORDER)
    if roles.has(Role.INSPECTORATE):
        return queryset.filter(is_supervisory=True).order_by(*VERIFICATION_ORDER)
    return queryset.none()


def agency_inbox(user: Any) -> QuerySet[Dispatch]:
    """The active dispatches to the agencies (and sub-units) where ``user`` is an operator or a
    liaison officer, oldest first (``INBOX_ORDER``).

    Kept to one indexed filter (agency ids resolved first, state in the active states) and the
    keyset, so it stays fast at any depth on a large table. The complaints are not redacted by
    the query: use :func:`redact` on the page.
    """
    ids = _agency_ids(user, (Role.OPERATOR, Role.LIAISON))
    return (
        Dispatch.objects.filter(agency_id__in=ids, state__in=Dispatch.ACTIVE_STATES)
        .select_related("agency", "complaint__category", "complaint__region")
        .order_by(*INBOX_ORDER)
    )


def only_overdue(dispatches: QuerySet[Dispatch], now: datetime | None = None) -> QuerySet[Dispatch]:
    """The dispatches whose own deadline, or (for a lead) the resolution deadline, has passed."""
    now = now or service_clock.now()
    late = Clock.objects.filter(
        state=Clock.State.RUNNING, kind__in=Clock.STAFF_KINDS, due_at__lt=now
    )
    return dispatches.filter(
        Exists(late.filter(dispatch=OuterRef("pk")))
        | Q(
            Exists(late.filter(kind=Clock.Kind.RESOLUTION, complaint=OuterRef("complaint_id"))),
            role=Dispatch.Role.LEAD,
        )
    )


def approval_queue(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups awaiting approval from ``user``: for the agencies where they are a liaison
    officer, and (Inspectorate) supervisory complaints dispatched to theirs. Oldest first
    (``APPROVAL_ORDER``)."""
    liaison = _agency_ids(user, (Role.LIAISON,))
    inspectorate = _agency_ids(user, (Role.INSPECTORATE,))
    return (
        FollowUp.objects.filter(
            Q(dispatch__agency_id__in=liaison)
            | Q(dispatch__agency_id__in=inspectorate, complaint__is_supervisory=True),
            state=FollowUp.State.PENDING,
            dispatch__state__in=Dispatch.ACTIVE_STATES,
            complaint__status__in=FOLLOWUP_STATES,
        )
        .select_related("author", "dispatch__agency", "complaint__category", "complaint__region")
        .order_by(*APPROVAL_ORDER)
    )


def supervisory_queue(user: Any) -> QuerySet[Complaint]:
    """Open reports about misconduct of officials, for the Inspectorate (``SUPERVISORY_ORDER``)."""
    queryset = selectors.complaint_list(user).filter(is_supervisory=True, status__in=OPEN_STATUSES)
    if not policies.staff_roles(user).has(Role.INSPECTORATE):
        return queryset.none()
    return queryset.order_by(*SUPERVISORY_ORDER)


def deadline_queue(user: Any, now: datetime | None = None) -> QuerySet[Clock]:
    """Officers' running deadlines that have passed or fall within ``DUE_SOON_WINDOW``, on open
    complaints ``user`` may see; soonest first (``DEADLINE_ORDER``)."""
    now = now or service_clock.now()
    visible = policies.visible_to(user).filter(status__in=OPEN_STATUSES).values("pk")
    return (
        Clock.objects.filter(
            complaint_id__in=visible,
            state=Clock.State.RUNNING,
            kind__in=Clock.STAFF_KINDS,
            due_at__lt=now + DUE_SOON_WINDOW,
        )
        .select_related(
            "dispatch__agency",
            "complaint__category",
            "complaint__region",
            "complaint__lead_agency",
        )
        .order_by(*DEADLINE_ORDER)
    )


def deadline_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies ``user`` may filter the deadline queue by: every active agency for those who
    oversee all of them (coordinators, leadership, the Inspectorate), else the agencies (and
    sub-units) where they are an operator or a liaison officer. By name."""
    roles = policies.staff_roles(user)
    agencies = Agency.objects.filter(is_active=True).order_by("name", "id")
    if any(roles.has(role) for role in (Role.COORDINATOR, Role.LEADERSHIP, Role.INSPECTORATE)):
        return agencies
    return agencies.filter(pk__in=_agency_ids(user, (Role.OPERATOR, Role.LIAISON)))


def deadlines_of_agency(clocks: QuerySet[Clock], agency_id: int | None) -> QuerySet[Clock]:
    """Deadlines of one agency: on the complaints it leads, and those its own hops owe (e.g. as
    a supporting agency). ``None``: complaints not dispatched yet (with the coordinators)."""
    if agency_id is None:
        return clocks.filter(complaint__lead_agency__isnull=True)
    return clocks.filter(Q(complaint__lead_agency_id=agency_id) | Q(dispatch__agency_id=agency_id))


def overdue_by_agency(user: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open complaints with an overdue officers' deadline, counted per lead agency (None: not
    dispatched yet, i.e. with the coordinators). Bounded by the open complaints."""
    roles = policies.staff_roles(user)
    if roles.has(Role.COORDINATOR) or roles.has(Role.LEADERSHIP):
        # They see every complaint: read the rollups (deadlines as flagged by the last sweep)
        # instead of grouping the running clocks of the whole instansi on every request.
        from aduan.monitoring.selectors import overdue_by_agency as from_rollups

        counts = from_rollups()
        agencies = Agency.objects.in_bulk([pk for pk, _count in counts if pk is not None])
        return [
            {"agency_id": pk, "agency": agencies.get(pk) if pk else None, "complaints": count}
            for pk, count in counts
        ]
    now = now or service_clock.now()
    visible = policies.visible_to(user).filter(status__in=OPEN_STATUSES).values("pk")
    rows = (
        Clock.objects.filter(
            Q(breached_at__isnull=False) | Q(due_at__lt=now),
            complaint_id__in=visible,
            state=Clock.State.RUNNING,
            kind__in=Clock.STAFF_KINDS,
        )
        .values("complaint__lead_agency")
        .annotate(complaints=Count("complaint", distinct=True))
        .order_by("-complaints", "complaint__lead_agency")
    )
    counts = [(row["complaint__lead_agency"], row["complaints"]) for row in rows]
    agencies = Agency.objects.in_bulk([pk for pk, _count in counts if pk is not None])
    return [
        {"agency_id": pk, "agency": agencies.get(pk) if pk else None, "complaints": count}
        for pk, count in counts
    ]


def instructions(user: Any) -> QuerySet[Instruction]:
    """Leaders' instructions on complaints ``user`` may see, newest first
    (``INSTRUCTION_ORDER``)."""
    visible = policies.visible_to(user).values("pk")
    return (
        Instruction.objects.filter(complaint_id__in=visible)
        .select_related("author", "complaint")
        .order_by(*INSTRUCTION_ORDER)
    )


# --- helpers for a page of rows ------------------------------------------------------------


def open_clocks_by_complaint(complaint_ids: Iterable[int]) -> dict[int, list[Clock]]:
    """The running or paused clocks of these complaints, soonest first: one query per page."""
    result: dict[int, list[Clock]] = defaultdict(list)
    ids = sorted(set(complaint_ids))
    if not ids:
        return result
    for item in Clock.objects.filter(complaint_id__in=ids, state__in=OPEN_CLOCK_STATES).order_by(
        "due_at", "id"
    ):
        result[item.complaint_id].append(item)
    return result


def complaint_deadline(clocks: Sequence[Clock]) -> Clock | None:
    """The deadline a list shows for a complaint: the soonest officers' clock, else the
    reporter's window (a held complaint)."""
    staff = [c for c in clocks if c.kind in Clock.STAFF_KINDS]
    candidates = staff or list(clocks)
    return candidates[0] if candidates else None


def dispatch_deadline(dispatch: Dispatch, clocks: Sequence[Clock]) -> Clock | None:
    """The deadline a dispatch owes: its own follow-up clock or, for the lead, the resolution."""
    owed = [
        c
        for c in clocks
        if c.dispatch_id == dispatch.pk
        or (dispatch.role == Dispatch.Role.LEAD and c.kind == Clock.Kind.RESOLUTION)
    ]
    return owed[0] if owed else None


def redact(user: Any, complaints: Iterable[Complaint]) -> None:
    """Blank the reporter's identity on complaints loaded outside ``complaint_list`` (e.g.
    through a dispatch) wherever ``user`` may not see it."""
    for complaint in complaints:
        if not complaint.identity_redacted and not policies.identity_visible(
            user, complaint, visible=True
        ):
            selectors.redact_identity(complaint)
