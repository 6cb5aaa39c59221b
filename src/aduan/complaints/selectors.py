"""Reads, already scoped to what the viewer may see (STYLE.md: selectors return scoped sets)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Agency, CategoryField, Region
from aduan.complaints import policies
from aduan.complaints.models import PUBLIC_LIST, Clock, Complaint
from aduan.complaints.services import Identity, identity_of, normalize_tracking_id
from aduan.core.errors import PermissionDenied
from aduan.core.models import AuditEvent

NOT_FOUND = _("No complaint with this tracking ID, or you may not see it.")

# What the reporter and the public see of the history; notes, drafts, reveals and reviews stay
# internal. ``complaint.returned`` is the neutral public side of a dispatch taken back or a
# declined lead dispatch (whose own events carry internal reasons and stay internal).
REPORTER_ACTIONS = frozenset(
    {
        "complaint.submitted",
        "complaint.dispatched",
        "complaint.returned",
        "complaint.held",
        "complaint.completed",
        "complaint.archived",
        "complaint.transferred",
        "complaint.merged",
        "complaint.merged_in",
        "followup.published",
        "complaint.resolved",
        "complaint.replied",
        "complaint.reopened",
        "complaint.rated",
        "complaint.auto_closed",
    }
)
# The actor label of a reporter's own steps when their identity is hidden (as services label
# a guest reporter's steps).
REPORTER_LABEL = "reporter"
# Keys of audit data that may be shown to the reporter (free texts written for them).
REPORTER_DATA_KEYS = frozenset({"reason", "target", "into", "duplicate", "lead_agency", "score"})


class _IdentityRedactingIterable(ModelIterable):
    """Blanks the reporter's identity on every complaint the viewer may not see it on."""

    def __iter__(self) -> Iterator[Complaint]:
        viewer = getattr(self.queryset, "identity_viewer", None)
        for complaint in super().__iter__():
            if not policies.identity_visible(viewer, complaint, visible=True):
                redact_identity(complaint)
            yield complaint


def redact_identity(complaint: Complaint) -> Complaint:
    """Blank the identity fields in memory; the instance then refuses to be saved."""
    complaint.reporter_name = complaint.reporter_phone = complaint.reporter_email = ""
    complaint.reporter_id = None
    if Complaint.reporter.is_cached(complaint):
        Complaint.reporter.field.delete_cached_value(complaint)
    complaint.identity_redacted = True
    return complaint


def _redacted_for(queryset: QuerySet[Complaint], viewer: Any) -> QuerySet[Complaint]:
    queryset = queryset.all()
    queryset.identity_viewer = viewer  # type: ignore[attr-defined]
    queryset._iterable_class = _IdentityRedactingIterable
    return queryset


def complaint_list(user: Any, *, as_staff: bool = False) -> QuerySet[Complaint]:
    """Complaints ``user`` may see, with what lists show. The reporter's identity is blanked on
    those where ``user`` may not see it (use ``reporter_identity`` / the reveal service).
    ``as_staff``: only those the user works on (see ``policies.visible_to``)."""
    queryset = policies.visible_to(user, as_staff=as_staff).select_related(
        "category", "lead_agency", Region.parents_path("region")
    )
    return _redacted_for(queryset, user)


def complaint_get(user: Any, tracking_id: str, *, as_staff: bool = False) -> Complaint:
    """One complaint by tracking ID, if ``user`` may see it (PermissionDenied otherwise, so an
    outsider cannot tell "exists" from "not yours")."""
    complaint = (
        complaint_list(user, as_staff=as_staff)
        .filter(tracking_id=normalize_tracking_id(tracking_id))
        .first()
    )
    if complaint is None:
        raise PermissionDenied(NOT_FOUND)
    return complaint


def complaint_for_guest(tracking_id: str, secret: str) -> tuple[Complaint, policies.GuestPass]:
    """A guest reporter's complaint and their pass, given the tracking ID and secret."""
    complaint = Complaint.objects.filter(tracking_id=normalize_tracking_id(tracking_id)).first()
    if complaint is None:
        raise PermissionDenied(NOT_FOUND)
    return complaint, policies.guest_pass(complaint, secret)


def public_complaints() -> QuerySet[Complaint]:
    """What the public may see: verified complaints that are neither confidential nor about
    officials' misconduct (those go to the Inspectorate only), without identities."""
    queryset = Complaint.objects.filter(PUBLIC_LIST)
    return _redacted_for(queryset, None)


def reporter_identity(viewer: Any, complaint: Complaint) -> Identity | None:
    """The reporter's identity if ``viewer`` may see it without an audited reveal, else None."""
    if not policies.can_see_identity(viewer, complaint):
        return None
    return identity_of(complaint)


def open_clocks(complaint: Complaint) -> QuerySet[Clock]:
    """The deadlines running or paused on a complaint, soonest first."""
    return complaint.clocks.filter(state__in=[Clock.State.RUNNING, Clock.State.PAUSED]).order_by(
        "due_at"
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    actor: str
    data: dict[str, Any]


def complaint_timeline(viewer: Any, complaint: Complaint) -> list[TimelineEntry]:
    """The complaint's history as ``viewer`` may see it: everything for staff who work with
    complaints and can see this one; the public steps (without officers' names or free texts
    beyond those written for the reporter) for its reporter and for monitors, who get no
    personal data."""
    roles = policies.staff_roles(viewer)
    visible = roles.is_staff and policies.can_see(viewer, complaint)
    staff = visible and not roles.reads_aggregates_only
    if not visible and not policies.is_reporter(viewer, complaint):
        raise PermissionDenied(NOT_FOUND)
    events = AuditEvent.objects.filter(
        target_type="complaints.complaint", target_id=str(complaint.pk)
    )
    # A signed-in reporter's own steps carry their username as actor label; staff who may not
    # see the identity get the label a guest reporter's steps have.
    # The instance may itself be redacted (reporter blanked), so the reporter is read afresh.
    hide_reporter = staff and not policies.can_see_identity(viewer, complaint)
    reporter_id = (
        Complaint.objects.filter(pk=complaint.pk).values_list("reporter_id", flat=True).first()
        if hide_reporter
        else None
    )
    entries = []
    for event in events.order_by("seq"):
        if staff:
            actor = event.actor_label
            if reporter_id is not None and event.actor_id == reporter_id:
                actor = REPORTER_LABEL
            entries.append(TimelineEntry(event.created_at, event.action, actor, event.data))
        elif event.action in REPORTER_ACTIONS:
            data = {k: v for k, v in event.data.items() if k in REPORTER_DATA_KEYS}
            entries.append(TimelineEntry(event.created_at, event.action, "", data))
    return entries


# Audit data that names agencies by code (a list, or several joined by ", ").
AGENCY_DATA_KEYS = ("lead_agency", "supporting_agencies", "agency")


def agency_names(codes: Iterable[str]) -> dict[str, str]:
    """Agency code → the name people read (one query)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    agencies = Agency.objects.filter(code__in=wanted).only("code", "name", "short_name")
    return {agency.code: str(agency) for agency in agencies}


def with_agency_names(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline with the agencies its steps name by code (as the audit log keeps them)
    named as people read them; a code no longer known stays as it is."""

    def codes(value: Any) -> list[str]:
        return [str(code) for code in value] if isinstance(value, list) else str(value).split(", ")

    found = {
        code
        for entry in entries
        for key in AGENCY_DATA_KEYS
        if entry.data.get(key)
        for code in codes(entry.data[key])
    }
    names = agency_names(found)
    result = []
    for entry in entries:
        named = {
            key: [names.get(code, code) for code in codes(value)]
            for key, value in entry.data.items()
            if key in AGENCY_DATA_KEYS and value
        }
        result.append(replace(entry, data={**entry.data, **named}) if named else entry)
    return result


def complaint_answers(complaint: Complaint) -> list[tuple[str, str]]:
    """The reporter's answers to the category's extra questions as (question, answer), in the
    questions' order; list answers show the choices' names. For staff who see the complaint."""
    if not complaint.attributes or complaint.category_id is None:
        return []
    fields = {f.code: f for f in CategoryField.objects.filter(category_id=complaint.category_id)}
    rows = []
    for code, value in complaint.attributes.items():
        field = fields.get(code)
        names = {
            str(choice.get("key")): str(choice.get("name"))
            for choice in (field.values if field else [])
            if isinstance(choice, dict)
        }
        values = value if isinstance(value, list) else [value]
        answer = ", ".join(names.get(str(item), str(item)) for item in values)
        # A question removed since the answer was given still shows, by its code, last.
        order = (0, field.order) if field else (1, 0)
        rows.append((order, field.description if field else code, answer))
    rows.sort(key=lambda row: row[0])
    return [(question, answer) for _order, question, answer in rows]
