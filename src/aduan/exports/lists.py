"""The back-office lists that can be exported, each with the same scoping and filters as its page.

Every list starts from the queue function its page uses (``aduan.complaints.queues``, which
starts from ``policies.visible_to(user)``) or, for "all", from ``selectors.complaint_list``; the
filters are parsed by the page's own filter form. An export therefore never holds a row the
page would not show. Rows are read in keyset chunks on the list's primary key (no OFFSET, never
all rows at once), so the file's order is the order rows were created in, not the page's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Role
from aduan.backoffice.access import QUEUES_BY_KEY, queues_for, works_with_complaints
from aduan.backoffice.views import DeadlineFilterForm, InboxFilterForm, VerificationFilterForm
from aduan.complaints import policies, queues, selectors
from aduan.complaints.models import Channel, Clock, Complaint, Kind, Status
from aduan.core.errors import PermissionDenied

# Shown to monitors (and administrators), who read aggregates only.
MONITOR_REFUSED = _(
    "Your role reads aggregates only and may not export complaint rows or personal data. "
    "Use the dashboards and reports instead."
)
NOT_YOURS = _("You do not work in this list, so you cannot export it.")


# What an export reads of a complaint: its columns, and what deciding on the reporter's
# identity needs (``policies.identity_visible``). Never the reporter's contacts, which no
# export carries.
COMPLAINT_FIELDS = (
    "tracking_id",
    "submitted_at",
    "kind",
    "status",
    "title",
    "category__name",
    "region__name",
    "lead_agency__name",
    "channel",
    "verified_at",
    "first_followup_at",
    "resolved_at",
    "closed_at",
    "rating",
    "reporter_id",
    "reporter_name",
    "is_anonymous",
    "is_confidential",
    "is_supervisory",
)


class AllFilterForm(forms.Form):
    """Filters of the list of every complaint the user works on."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Kind.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )


@dataclass(frozen=True)
class ExportList:
    """One exportable list.

    ``rows(user, filters, now)`` returns the scoped root rows (complaints, dispatches,
    follow-ups or clocks); ``complaint`` finds a row's complaint; ``deadline`` the deadline the
    page shows for it, from the complaint's open clocks.
    """

    name: str
    title: Promise
    queue: str | None  # the back-office queue a person must work in; None: any complaint worker
    # The page's filter form for (user, data); None: the page has no filters.
    filter_form: Callable[[Any, Any], forms.Form] | None
    rows: Callable[[Any, dict[str, Any], datetime], QuerySet[Any]]
    complaint: Callable[[Any], Complaint]
    deadline: Callable[[Any, Sequence[Clock]], Clock | None]
    # Rows loaded through another model carry unredacted complaints: redact them here.
    needs_redaction: bool
    # The page applies the fields that validate even when another does not (else: none).
    lenient_filters: bool = False
    # The rows are complaints: load only the columns an export needs (not the free texts).
    complaint_rows: bool = False


def _verification(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    queryset = queues.verification_queue(user)
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset


def _inbox(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    queryset = queues.agency_inbox(user).select_related("complaint__lead_agency")
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    if filters.get("overdue"):
        queryset = queues.only_overdue(queryset, now)
    return queryset


def _approval(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    return queues.approval_queue(user).select_related("complaint__lead_agency", "dispatch")


def _supervisory(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    return queues.supervisory_queue(user)


def _overdue(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    queryset = queues.deadline_queue(user, now)
    which = filters.get("which")
    if which == "overdue":
        queryset = queryset.filter(due_at__lt=now)
    elif which == "soon":
        queryset = queryset.filter(due_at__gte=now)
    agency = str(filters.get("agency") or "")
    if agency == "none":
        queryset = queues.deadlines_of_agency(queryset, None)
    elif agency.isascii() and agency.isdigit():
        queryset = queues.deadlines_of_agency(queryset, int(agency))
    return queryset


def _deadline_form(user: Any, data: Any) -> forms.Form:
    roles = policies.staff_roles(user)
    return DeadlineFilterForm(
        data,
        agencies=list(queues.deadline_agencies(user)),
        oversees_all=roles.has(Role.COORDINATOR) or roles.has(Role.LEADERSHIP),
    )


def _form(form_class: type[forms.Form]) -> Callable[[Any, Any], forms.Form]:
    return lambda user, data: form_class(data)


def _all(user: Any, filters: dict[str, Any], now: datetime) -> QuerySet[Any]:
    queryset = selectors.complaint_list(user, as_staff=True)
    for name in ("status", "kind", "channel"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    return queryset


def _itself(row: Any) -> Complaint:
    return row


def _of_row(row: Any) -> Complaint:
    return row.complaint


def _complaint_deadline(row: Any, clocks: Sequence[Clock]) -> Clock | None:
    return queues.complaint_deadline(clocks)


LISTS: dict[str, ExportList] = {
    item.name: item
    for item in (
        ExportList(
            "verification",
            _("Verification"),
            "verification",
            _form(VerificationFilterForm),
            _verification,
            _itself,
            _complaint_deadline,
            needs_redaction=False,
            complaint_rows=True,
        ),
        ExportList(
            "inbox",
            _("Agency inbox"),
            "inbox",
            _form(InboxFilterForm),
            _inbox,
            _of_row,
            lambda row, clocks: queues.dispatch_deadline(row, clocks),
            needs_redaction=True,
        ),
        ExportList(
            "approval",
            _("Approval"),
            "approval",
            None,
            _approval,
            _of_row,
            lambda row, clocks: queues.dispatch_deadline(row.dispatch, clocks),
            needs_redaction=True,
        ),
        ExportList(
            "supervisory",
            _("Supervisory"),
            "supervisory",
            None,
            _supervisory,
            _itself,
            _complaint_deadline,
            needs_redaction=False,
            complaint_rows=True,
        ),
        ExportList(
            "overdue",
            _("Overdue and due soon"),
            "overdue",
            _deadline_form,
            _overdue,
            _of_row,
            lambda row, clocks: row,
            needs_redaction=True,
            lenient_filters=True,
        ),
        ExportList(
            "all",
            _("All complaints you work on"),
            None,
            _form(AllFilterForm),
            _all,
            _itself,
            _complaint_deadline,
            needs_redaction=False,
            complaint_rows=True,
        ),
    )
}


def get_list(name: str) -> ExportList | None:
    return LISTS.get(name)


def ensure_may_export(user: Any, export_list: ExportList) -> None:
    """Raise PermissionDenied unless ``user`` may open the list's page (monitors never may:
    they read aggregates only)."""
    roles = policies.staff_roles(user)
    if roles.is_staff and roles.reads_aggregates_only:
        raise PermissionDenied(MONITOR_REFUSED)
    if not works_with_complaints(roles):
        raise PermissionDenied(NOT_YOURS)
    if export_list.queue is not None and QUEUES_BY_KEY[export_list.queue] not in queues_for(roles):
        raise PermissionDenied(NOT_YOURS)


def clean_filters(user: Any, export_list: ExportList, data: Any) -> dict[str, Any]:
    """The filters the page would apply to ``data`` (a QueryDict or dict) for ``user``: the
    valid, non-empty values of its filter form, as JSON-safe values. Invalid input is ignored
    as the page ignores it."""
    if export_list.filter_form is None:
        return {}
    form = export_list.filter_form(user, data)
    if not form.is_valid() and not export_list.lenient_filters:
        return {}
    return {key: value for key, value in sorted(form.cleaned_data.items()) if value}


def iter_rows(
    user: Any,
    export_list: ExportList,
    filters: dict[str, Any],
    now: datetime,
    *,
    chunk_size: int | None = None,
) -> Iterator[tuple[Complaint, Clock | None]]:
    """(complaint, deadline) for every row of the list, read ``chunk_size`` rows at a time by
    primary key, with the reporter's identity blanked wherever ``user`` may not see it.

    Two queries per chunk (the rows, their open clocks); memory holds one chunk."""
    size = chunk_size or settings.ADUAN_EXPORT_CHUNK
    queryset = export_list.rows(user, filters, now).order_by("pk")
    if export_list.complaint_rows:
        # The export names the region alone (its own column), not with its parents as pages do.
        queryset = (
            queryset.select_related(None)
            .select_related("category", "lead_agency", "region")
            .only(*COMPLAINT_FIELDS)
        )
    last: Any = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        last = batch[-1].pk
        complaints = [export_list.complaint(row) for row in batch]
        if export_list.needs_redaction:
            queues.redact(user, complaints)
        clocks = queues.open_clocks_by_complaint(c.pk for c in complaints)
        for row, complaint in zip(batch, complaints, strict=True):
            yield complaint, export_list.deadline(row, clocks[complaint.pk])
        if len(batch) < size:
            return


def has_more_than(
    user: Any, export_list: ExportList, filters: dict[str, Any], now: datetime, limit: int
) -> bool:
    """Whether the list has more than ``limit`` rows (a bounded count, never COUNT(*) over the
    table)."""
    return queues.bounded_count(export_list.rows(user, filters, now), limit + 1) > limit
