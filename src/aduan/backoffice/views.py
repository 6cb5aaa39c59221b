"""Back-office pages: the start page, the work queues, bulk actions and attachment downloads.

Thin: queues come from ``aduan.complaints.queues`` (scoped to the user), every change goes through
``aduan.complaints.services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from aduan.accounts.models import Role
from aduan.agencies.models import Region
from aduan.backoffice.access import menu_context, queues_for, staff_page
from aduan.backoffice.forms import BulkForm
from aduan.complaints import queues, selectors, services
from aduan.complaints.models import Attachment, Dispatch, Status
from aduan.complaints.policies import staff_roles
from aduan.core import clock
from aduan.core.errors import DomainError, InvalidInput
from aduan.core.pagination import KeysetPage, keyset_page
from aduan.core.web import private_file_response

PAGE_SIZE = 20
# Rows of dispatches, follow-ups and deadlines show their complaint's place with its parents.
COMPLAINT_PLACE = Region.parents_path("complaint__region")
# Types a browser may show inline; anything else is downloaded.


def page_of(request: HttpRequest, queryset: Any, ordering: tuple[str, ...]) -> KeysetPage[Any]:
    return keyset_page(
        queryset, ordering=ordering, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
    )


def page_links(request: HttpRequest, page: KeysetPage[Any]) -> dict[str, str]:
    """Links to the neighbouring pages, keeping the filters."""
    links = {}
    for name, cursor in (("next_url", page.next_cursor), ("previous_url", page.previous_cursor)):
        if cursor:
            params = request.GET.copy()
            params["cursor"] = cursor
            links[name] = f"?{params.urlencode()}"
    return links


def bad_cursor(request: HttpRequest, error: DomainError, current: str) -> HttpResponse:
    context = {"error": error, "first_page": request.path, **menu_context(request, current)}
    return render(request, "backoffice/bad_cursor.html", context, status=400)


def _queue_response(
    request: HttpRequest,
    template: str,
    current: str,
    page: KeysetPage[Any],
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {
        "page": page,
        **page_links(request, page),
        **menu_context(request, current),
        **context,
    }
    return render(request, f"backoffice/{template}", context, status=status)


# --- start page ----------------------------------------------------------------------------


@require_safe
@staff_page(works=False)
def home(request: HttpRequest) -> HttpResponse:
    """One card per queue the user works in, with a bounded count."""
    user = request.user
    roles = staff_roles(user)
    now = clock.now()
    counters: dict[str, Any] = {
        "verification": lambda: queues.verification_queue(user),
        "inbox": lambda: queues.agency_inbox(user),
        "approval": lambda: queues.approval_queue(user),
        "supervisory": lambda: queues.supervisory_queue(user),
    }
    cards = []
    deadlines = None
    for queue in queues_for(roles):
        count = None
        if queue.key in counters:
            count = queues.bounded_count(counters[queue.key]())
        if queue.key == "overdue":
            due = queues.deadline_queue(user, now)
            deadlines = {
                "overdue": queues.bounded_count(due.filter(due_at__lt=now)),
                "soon": queues.bounded_count(due.filter(due_at__gte=now)),
            }
        cards.append({"queue": queue, "count": count})
    context = {"cards": cards, "deadlines": deadlines, **menu_context(request, "home")}
    return render(request, "backoffice/home.html", context)


# --- verification --------------------------------------------------------------------------


class VerificationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Not verified and on hold")),
            (Status.SUBMITTED, Status.SUBMITTED.label),
            (Status.ON_HOLD, Status.ON_HOLD.label),
        ],
    )


def _verification_response(
    request: HttpRequest, bulk_form: BulkForm | None = None, status: int = 200
) -> HttpResponse:
    queryset = queues.verification_queue(request.user)
    filters = VerificationFilterForm(request.GET)
    if filters.is_valid() and filters.cleaned_data["status"]:
        queryset = queryset.filter(status=filters.cleaned_data["status"])
    try:
        page = page_of(request, queryset, queues.VERIFICATION_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "verification")
    clocks = queues.open_clocks_by_complaint(c.pk for c in page)
    rows = [(c, queues.complaint_deadline(clocks[c.pk])) for c in page]
    selected = set(request.POST.getlist("complaints")) if bulk_form is not None else set()
    context = {
        "rows": rows,
        "filters": filters,
        "bulk_form": bulk_form or BulkForm(),
        "selected": selected,
    }
    return _queue_response(request, "verification.html", "verification", page, context, status)


@require_safe
@staff_page(queue="verification")
def verification(request: HttpRequest) -> HttpResponse:
    """Reports to verify (submitted or on hold), oldest first, with bulk actions."""
    return _verification_response(request)


@require_POST
@staff_page(queue="verification")
def verification_bulk(request: HttpRequest) -> HttpResponse:
    """Dispatch or archive the selected complaints, each through its own service call (its own
    transaction), and report each one that failed."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _verification_response(request, form, status=400)
    user = request.user
    data = form.cleaned_data
    dispatching = data["operation"] == BulkForm.DISPATCH
    done: list[str] = []
    for tracking_id in data["complaints"]:
        try:
            complaint = selectors.complaint_get(user, tracking_id)
            if dispatching:
                services.complaint_dispatch(
                    actor=user,
                    complaint=complaint,
                    lead_agency=data["lead_agency"],
                    note=data["note"],
                )
            else:
                services.complaint_archive(
                    actor=user,
                    complaint=complaint,
                    reason=data["archive_reason"],
                    note=data["note"],
                )
        except DomainError as error:
            messages.error(
                request,
                _("%(tracking_id)s was not changed: %(error)s")
                % {"tracking_id": tracking_id, "error": error},
            )
        else:
            done.append(complaint.tracking_id)
    if done:
        if dispatching:
            text = ngettext(
                "%(count)d complaint dispatched to %(agency)s: %(ids)s.",
                "%(count)d complaints dispatched to %(agency)s: %(ids)s.",
                len(done),
            ) % {"count": len(done), "agency": data["lead_agency"], "ids": ", ".join(done)}
        else:
            text = ngettext(
                "%(count)d complaint archived: %(ids)s.",
                "%(count)d complaints archived: %(ids)s.",
                len(done),
            ) % {"count": len(done), "ids": ", ".join(done)}
        messages.success(request, text)
    return redirect("backoffice:verification")


# --- agency inbox --------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Dispatch state"),
        required=False,
        choices=[
            ("", _("All active")),
            (Dispatch.State.PENDING, Dispatch.State.PENDING.label),
            (Dispatch.State.ACCEPTED, Dispatch.State.ACCEPTED.label),
        ],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


@require_safe
@staff_page(queue="inbox")
def inbox(request: HttpRequest) -> HttpResponse:
    """Active dispatches to the user's agencies (and sub-units), oldest first."""
    queryset = queues.agency_inbox(request.user).select_related(COMPLAINT_PLACE)
    filters = InboxFilterForm(request.GET)
    if filters.is_valid():
        if filters.cleaned_data["state"]:
            queryset = queryset.filter(state=filters.cleaned_data["state"])
        if filters.cleaned_data["overdue"]:
            queryset = queues.only_overdue(queryset)
    try:
        page = page_of(request, queryset, queues.INBOX_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "inbox")
    queues.redact(request.user, (d.complaint for d in page))
    clocks = queues.open_clocks_by_complaint(d.complaint_id for d in page)
    rows = [(d, queues.dispatch_deadline(d, clocks[d.complaint_id])) for d in page]
    return _queue_response(request, "inbox.html", "inbox", page, {"rows": rows, "filters": filters})


# --- approval ------------------------------------------------------------------------------


@require_safe
@staff_page(queue="approval")
def approval(request: HttpRequest) -> HttpResponse:
    """Follow-ups awaiting the user's approval, oldest first."""
    try:
        queryset = queues.approval_queue(request.user).select_related(COMPLAINT_PLACE)
        page = page_of(request, queryset, queues.APPROVAL_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "approval")
    queues.redact(request.user, (f.complaint for f in page))
    clocks = queues.open_clocks_by_complaint(f.complaint_id for f in page)
    rows = [(f, queues.dispatch_deadline(f.dispatch, clocks[f.complaint_id])) for f in page]
    return _queue_response(request, "approval.html", "approval", page, {"rows": rows})


# --- supervisory ---------------------------------------------------------------------------


@require_safe
@staff_page(queue="supervisory")
def supervisory(request: HttpRequest) -> HttpResponse:
    """Open reports about misconduct of officials, oldest first."""
    try:
        page = page_of(request, queues.supervisory_queue(request.user), queues.SUPERVISORY_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "supervisory")
    clocks = queues.open_clocks_by_complaint(c.pk for c in page)
    rows = [(c, queues.complaint_deadline(clocks[c.pk])) for c in page]
    return _queue_response(request, "supervisory.html", "supervisory", page, {"rows": rows})


# --- overdue and due soon ------------------------------------------------------------------


class DeadlineFilterForm(forms.Form):
    which = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Overdue and due soon")),
            ("overdue", _("Overdue only")),
            ("soon", _("Due soon only")),
        ],
    )
    agency = forms.ChoiceField(label=_("Agency"), required=False)

    def __init__(self, data: Any, *, agencies: Any, oversees_all: bool) -> None:
        super().__init__(data)
        choices: list[tuple[str, Any]] = [("", _("All agencies"))]
        if oversees_all:
            choices.append(("none", _("Not dispatched yet")))
        choices += [(str(agency.pk), str(agency)) for agency in agencies]
        self.fields["agency"].choices = choices  # type: ignore[attr-defined]


@require_safe
@staff_page(queue="overdue")
def overdue(request: HttpRequest) -> HttpResponse:
    """Officers' deadlines past due or due within a day, soonest first; by agency if asked
    (coordinators and leadership: any agency; agency staff: their own)."""
    now = clock.now()
    queryset = queues.deadline_queue(request.user, now).select_related(COMPLAINT_PLACE)
    agencies = list(queues.deadline_agencies(request.user))
    roles = staff_roles(request.user)
    oversees_all = roles.has(Role.COORDINATOR) or roles.has(Role.LEADERSHIP)
    filters = DeadlineFilterForm(request.GET, agencies=agencies, oversees_all=oversees_all)
    filters.is_valid()  # a field that does not validate is left out; the others still apply
    which = filters.cleaned_data.get("which")
    if which == "overdue":
        queryset = queryset.filter(due_at__lt=now)
    elif which == "soon":
        queryset = queryset.filter(due_at__gte=now)
    agency = filters.cleaned_data.get("agency")
    agency_label: Any = None
    if agency == "none":
        queryset = queues.deadlines_of_agency(queryset, None)
        agency_label = _("Not dispatched yet")
    elif agency:
        agency_label = next(a for a in agencies if str(a.pk) == agency)
        queryset = queues.deadlines_of_agency(queryset, agency_label.pk)
    try:
        page = page_of(request, queryset, queues.DEADLINE_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "overdue")
    queues.redact(request.user, (c.complaint for c in page))
    context = {"rows": list(page), "filters": filters, "agency_label": agency_label}
    return _queue_response(request, "overdue.html", "overdue", page, context)


# --- leadership ----------------------------------------------------------------------------


@require_safe
@staff_page(queue="leadership")
def leadership(request: HttpRequest) -> HttpResponse:
    """Overdue complaints per lead agency, and the latest instructions."""
    try:
        page = page_of(request, queues.instructions(request.user), queues.INSTRUCTION_ORDER)
    except InvalidInput as error:
        return bad_cursor(request, error, "leadership")
    queues.redact(request.user, (i.complaint for i in page))
    context = {"by_agency": queues.overdue_by_agency(request.user), "rows": list(page)}
    return _queue_response(request, "leadership.html", "leadership", page, context)


# --- attachments ---------------------------------------------------------------------------


@require_safe
@staff_page()
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an attachment to staff who may see its complaint (MEDIA_ROOT is never public)."""
    item = Attachment.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    if (
        not selectors.complaint_list(request.user, as_staff=True)
        .filter(pk=item.complaint_id)
        .exists()
    ):
        raise Http404
    return private_file_response(item)
