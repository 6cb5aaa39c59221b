"""Citizen portal views: parse, call a selector or a service, render. No business logic here.

Every change goes through ``aduan.complaints.services``; a refused change comes back as a domain
error shown on the form (``add_form_error``) with the status ``http_status_for`` gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aduan.agencies.models import Region
from aduan.complaints import policies, selectors, services, stats
from aduan.complaints.models import OPEN_STATUSES, Channel, Complaint, Dispatch, FollowUp, Status
from aduan.core import clock
from aduan.core.errors import DomainError, InvalidInput, PermissionDenied
from aduan.core.once import applied_once
from aduan.core.pagination import keyset_page
from aduan.core.web import add_form_error, http_status_for, private_file_response
from aduan.portal import passes, public, steps
from aduan.portal.forms import (
    CompleteForm,
    PublicFilterForm,
    RateForm,
    ReopenForm,
    ReplyForm,
    SubmitForm,
    TrackForm,
    region_options,
)

PAGE_SIZE = 20
LATEST_ON_HOME = 5
# One message whether the tracking ID does not exist or the secret is wrong, so the form cannot
# be used to find out which tracking IDs exist.
WRONG_PASS = gettext_lazy("The tracking ID or secret code is wrong.")


def _with_related(queryset: Any) -> Any:
    return queryset.select_related("category", "lead_agency", Region.parents_path("region"))


# --- home ----------------------------------------------------------------------------------


def duration_text(value: timedelta | None) -> str:
    """A waiting time in words: hours below two days, days (one decimal) above."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 1:
        return _("less than an hour")
    if hours < 48:
        count = round(hours)
        return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}
    days = hours / 24
    return ngettext("%(days)s day", "%(days)s days", int(days)) % {
        "days": formats.number_format(round(days, 1), 1 if days < 10 else 0)
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What the service is, this year's figures, the latest public reports, and "Report"."""
    figures = stats.headline_figures()
    latest = list(
        _with_related(selectors.public_complaints()).order_by("-submitted_at", "-id")[
            :LATEST_ON_HOME
        ]
    )
    percent = figures.resolved_percent
    return render(
        request,
        "portal/home.html",
        {
            "figures": figures,
            "resolved_percent": None
            if percent is None
            else formats.number_format(round(percent, 1), 1),
            "median_text": duration_text(figures.median_first_followup),
            "latest": latest,
        },
    )


# --- submit --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The report form; on success POST/redirect/GET to the one-time receipt."""
    status = 200
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.complaint_submit(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    region=form.region,
                    event_date=data["event_date"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    address_text=data["address_text"],
                    channel=Channel.WEB,
                    is_anonymous=data["is_anonymous"],
                    is_confidential=data["is_confidential"],
                    reporter_name=data.get("reporter_name", ""),
                    reporter_phone=data.get("reporter_phone", ""),
                    reporter_email=data.get("reporter_email", ""),
                    attachments=data["attachments"],
                    idempotency_key=data["idempotency_key"] or None,
                )
            except DomainError as error:
                add_form_error(form, error)
                status = http_status_for(error)
            else:
                complaint = result.complaint
                if result.guest_secret:
                    passes.remember_pass(request.session, complaint)
                passes.keep_receipt(request.session, complaint, result.guest_secret or "")
                return redirect("portal:receipt")
        else:
            status = 400
    else:
        form = SubmitForm(user=request.user)
    files_lost = status != 200 and bool(request.FILES)
    return render(
        request,
        "portal/submit.html",
        {
            "form": form,
            "files_lost": files_lost,
            "district_groups": form.district_groups(),
            "villages": region_options(form.chosen("kecamatan")),
            "map_tiles": settings.ADUAN_MAP_TILES,
            "map_center": settings.ADUAN_MAP_CENTER,
            "map_attribution": getattr(
                settings,
                "ADUAN_MAP_ATTRIBUTION",
                "© OpenStreetMap contributors"
                if "openstreetmap.org" in settings.ADUAN_MAP_TILES
                else "",
            ),
        },
        status=status,
    )


@cache_control(private=True, max_age=3600)
@require_safe
def regions(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the regions under ``parent`` (the htmx region picker).

    htmx sends the changed select's own value, so ``kecamatan`` and ``kabupaten_kota`` are
    accepted as the parent too.
    """
    parent = (
        request.GET.get("parent")
        or request.GET.get("kecamatan")
        or request.GET.get("kabupaten_kota")
        or ""
    )
    return render(request, "portal/_region_options.html", {"regions": region_options(parent)})


@never_cache
@require_safe
def receipt(request: HttpRequest) -> HttpResponse:
    """The tracking ID and, for a guest, the secret, in the browser that sent the report: again
    on a reload or a change of language, until ``passes.RECEIPT_MINUTES`` have passed."""
    data = passes.receipt(request.session)
    if not data:
        messages.info(
            request,
            _(
                "The receipt is no longer shown. Use your tracking ID and secret code to follow "
                "your report."
            ),
        )
        return redirect("portal:track")
    return render(
        request,
        "portal/receipt.html",
        {
            "tracking_id": data["tracking_id"],
            "secret": data["secret"],
            "receipt_minutes": passes.RECEIPT_MINUTES,
        },
    )


@never_cache
@require_POST
def receipt_download(request: HttpRequest) -> HttpResponse:
    """The receipt as a .txt file, for the reporter who sent it (checked again here)."""
    tracking_id = request.POST.get("tracking_id", "")
    secret = request.POST.get("secret", "")
    try:
        if secret:
            complaint, _guest = selectors.complaint_for_guest(tracking_id, secret)
        else:
            complaint = selectors.complaint_get(request.user, tracking_id)
            policies.ensure(policies.is_reporter(request.user, complaint))
    except DomainError:
        raise Http404(str(selectors.NOT_FOUND)) from None
    text = render_to_string(
        "portal/receipt.txt",
        {
            "complaint": complaint,
            "secret": secret.strip().upper(),
            "track_url": request.build_absolute_uri(
                reverse("portal:track_detail", args=[complaint.tracking_id])
            ),
        },
        request=request,
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{complaint.tracking_id}.txt"'
    return response


# --- track ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """A guest opens a report with its tracking ID and secret code."""
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                complaint, _guest = selectors.complaint_for_guest(
                    form.cleaned_data["tracking_id"], form.cleaned_data["secret"]
                )
            except PermissionDenied as error:
                # Not complaint_for_guest's own message: it tells "no such ID" apart.
                form.add_error(None, str(WRONG_PASS))
                status = http_status_for(error)
            else:
                passes.remember_pass(request.session, complaint)
                return redirect("portal:track_detail", tracking_id=complaint.tracking_id)
        else:
            status = 400
    else:
        form = TrackForm(initial={"tracking_id": request.GET.get("id", "")[:40]})
    return render(request, "portal/track.html", {"form": form}, status=status)


def _reporter_view(request: HttpRequest, tracking_id: str) -> tuple[Complaint, Any] | None:
    """The complaint and the actor for the reporter's services, if this visitor is its
    reporter: the signed-in account that sent it, or a browser holding a guest pass."""
    user = request.user
    if user.is_authenticated:
        try:
            complaint = selectors.complaint_get(user, tracking_id)
        except PermissionDenied:
            complaint = None
        if complaint is not None and policies.is_reporter(user, complaint):
            return complaint, user
    found = passes.complaint_for_pass(request.session, tracking_id)
    if found is not None:
        return found
    return None


@dataclass(frozen=True)
class _Action:
    form_class: type[forms.Form]
    run: Callable[[Any, Complaint, dict[str, Any]], Any]
    done: Any


ACTIONS: dict[str, _Action] = {
    "complete": _Action(
        CompleteForm,
        lambda actor, complaint, data: services.complaint_complete(
            actor=actor, complaint=complaint, body=data["body"], attachments=data["attachments"]
        ),
        gettext_lazy("Thank you. Your report is complete and goes back to the coordinator."),
    ),
    "reply": _Action(
        ReplyForm,
        lambda actor, complaint, data: services.complaint_reply(
            actor=actor, complaint=complaint, body=data["body"], attachments=data["attachments"]
        ),
        gettext_lazy("Your message was sent."),
    ),
    "reopen": _Action(
        ReopenForm,
        lambda actor, complaint, data: services.complaint_reopen(
            actor=actor, complaint=complaint, reason=data["reason"]
        ),
        gettext_lazy("Your report was reopened. The agency owes you a new follow-up."),
    ),
    "rate": _Action(
        RateForm,
        lambda actor, complaint, data: services.complaint_rate(
            actor=actor, complaint=complaint, score=data["score"], comment=data["comment"]
        ),
        gettext_lazy("Thank you for your rating."),
    ),
}


def _available_actions(complaint: Complaint) -> set[str]:
    """What the reporter may do now (the services check again when it is done)."""
    now = clock.now()
    available = set()
    if complaint.status == Status.ON_HOLD:
        available.add("complete")
    if complaint.status in OPEN_STATUSES:
        available.add("reply")
    if (
        complaint.status == Status.RESOLVED
        and complaint.reopen_until is not None
        and now <= complaint.reopen_until
    ):
        available.add("reopen")
    if complaint.status in (Status.RESOLVED, Status.CLOSED) and complaint.rating is None:
        available.add("rate")
    return available


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """The reporter's view of one report, and the actions they may take now."""
    canonical = services.normalize_tracking_id(tracking_id)
    if canonical != tracking_id:
        return redirect("portal:track_detail", tracking_id=canonical)
    found = _reporter_view(request, tracking_id)
    if found is None:
        # Shown for any tracking ID, so it tells nobody whether the report exists.
        track_form = TrackForm(initial={"tracking_id": canonical})
        return render(request, "portal/track.html", {"form": track_form, "deep_link": True})
    complaint, actor = found
    bound: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name == "forget":
            passes.forget_pass(request.session, complaint.tracking_id)
            messages.success(request, _("This browser no longer remembers the report."))
            return redirect("portal:track")
        action = ACTIONS.get(name)
        if action is None:
            return HttpResponse(_("Unknown action."), status=400)
        form = action.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                with applied_once(form) as first:
                    if not first:  # sent twice: saved once
                        return redirect("portal:track_detail", tracking_id=complaint.tracking_id)
                    action.run(actor, complaint, form.cleaned_data)
            except DomainError as error:
                add_form_error(form, error)
                status = http_status_for(error)
            else:
                messages.success(request, str(action.done))
                return redirect("portal:track_detail", tracking_id=complaint.tracking_id)
        else:
            status = 400
        bound[name] = form
    available = _available_actions(complaint)
    action_forms = {
        name: bound.get(name) or ACTIONS[name].form_class()
        for name in ("complete", "reply", "reopen", "rate")
        if name in available
    }
    # A refusal for an action no longer offered (e.g. the state changed meanwhile) has no form
    # to show it on: it goes at the top of the page.
    refused = [
        str(error)
        for name, form in bound.items()
        if name not in action_forms
        for error in form.non_field_errors()
    ]
    followups = list(
        complaint.followups.filter(state=FollowUp.State.PUBLISHED)
        .select_related("dispatch__agency")
        .order_by("published_at", "id")
    )
    files = list(_reporter_files(complaint))
    for followup in followups:
        followup.files = [item for item in files if item.followup_id == followup.pk]  # type: ignore[attr-defined]
    clocks = list(selectors.open_clocks(complaint).select_related("dispatch__agency"))
    return render(
        request,
        "portal/track_detail.html",
        {
            "complaint": complaint,
            "steps": steps.reporter_steps(selectors.complaint_timeline(actor, complaint)),
            "followups": followups,
            "deadlines": steps.deadlines(clocks, clock.now()),
            "holder": steps.holder(complaint, clocks),
            # Merged into another report: its public page, when it has one.
            "merged_into": complaint.merged_into_id
            and selectors.public_complaints()
            .filter(pk=complaint.merged_into_id)
            .values_list("tracking_id", flat=True)
            .first(),
            "replies": list(complaint.replies.order_by("created_at", "id")),
            "own_files": [item for item in files if item.from_reporter],
            "agency_files": [
                item for item in files if not item.from_reporter and item.followup_id is None
            ],
            "action_forms": action_forms,
            "refused": refused,
            "is_guest": isinstance(actor, policies.GuestPass),
        },
        status=status,
    )


def _reporter_files(complaint: Complaint) -> Any:
    """The files a reporter may open: their own, those of published follow-ups, and the
    agencies' files not marked internal that were added before the latest published
    follow-up (they go out with that answer, as the back-office form says)."""
    shared = Q(from_reporter=True) | Q(followup__state=FollowUp.State.PUBLISHED)
    published = complaint.followups.filter(state=FollowUp.State.PUBLISHED).aggregate(
        last=Max("published_at")
    )["last"]
    if published is not None:
        shared |= Q(from_reporter=False, followup__isnull=True, created_at__lte=published)
    return complaint.attachments.filter(is_internal=False).filter(shared)


@never_cache
@require_safe
def track_attachment(request: HttpRequest, tracking_id: str, pk: int) -> FileResponse:
    """One file of the report, for its reporter only (uploaded files are never public)."""
    found = _reporter_view(request, services.normalize_tracking_id(tracking_id))
    if found is None:
        raise Http404
    item = _reporter_files(found[0]).filter(pk=pk).first()
    if item is None:
        raise Http404
    return private_file_response(item)


# --- public reports ------------------------------------------------------------------------


@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    """Public reports with filters, search, sorting and keyset pages; no personal data."""
    form = PublicFilterForm(request.GET)
    status = 200
    page = None
    page_error = ""
    if form.is_valid():
        queryset = public.filter_public(
            _with_related(selectors.public_complaints()), form.cleaned_data
        )
        try:
            page = keyset_page(
                queryset,
                ordering=form.ordering,
                cursor=request.GET.get("cursor") or None,
                size=PAGE_SIZE,
            )
        except InvalidInput as error:
            page_error = str(error)
            status = http_status_for(error)
    else:
        status = 400
    items = list(page.items) if page is not None else []
    supported = public.supported_ids(
        passes.existing_supporter_key(request), (item.pk for item in items)
    )
    return render(
        request,
        "portal/public_list.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "supported": supported,
            "page_error": page_error,
            "filtered": any(request.GET.get(name) for name in form.fields if name != "sort"),
            "advanced": bool(form.errors)
            or any(request.GET.get(name) for name in form.fields if name != "q"),
        },
        status=status,
    )


def _public_complaint(tracking_id: str) -> Complaint:
    complaint = (
        _with_related(selectors.public_complaints())
        .filter(tracking_id=services.normalize_tracking_id(tracking_id))
        .first()
    )
    if complaint is None:
        raise Http404(str(selectors.NOT_FOUND))
    return complaint


@require_safe
def public_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """One public report with its published follow-ups and public steps."""
    complaint = _public_complaint(tracking_id)
    if complaint.tracking_id != tracking_id:
        return redirect("portal:public_detail", tracking_id=complaint.tracking_id)
    followups = list(
        complaint.followups.filter(state=FollowUp.State.PUBLISHED)
        .select_related("dispatch__agency")
        .order_by("published_at", "id")
    )
    supported = complaint.pk in public.supported_ids(
        passes.existing_supporter_key(request), [complaint.pk]
    )
    return render(
        request,
        "portal/public_detail.html",
        {
            "complaint": complaint,
            "followups": followups,
            "steps": steps.public_steps(
                complaint,
                followups,
                complaint.dispatches.filter(role=Dispatch.Role.LEAD).select_related("agency"),
            ),
            "supported": supported,
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def support(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """ "Dukung": once per visitor (account, or a key kept in the visitor's session)."""
    complaint = _public_complaint(tracking_id)
    key = "" if request.user.is_authenticated else passes.supporter_key(request)
    note = ""
    error = False
    status = 200
    try:
        added = services.complaint_support(
            actor=request.user, complaint=complaint, supporter_key=key
        )
    except DomainError as refusal:
        note, error, status = str(refusal), True, http_status_for(refusal)
    else:
        note = _("Thank you for your support.") if added else _("You already support this report.")
    fallback = reverse("portal:public_detail", args=[complaint.tracking_id])
    if not request.htmx:  # type: ignore[attr-defined]
        (messages.error if error else messages.success)(request, note)
        return redirect(_safe_next(request, fallback))
    fresh = _public_complaint(complaint.tracking_id)
    return render(
        request,
        "portal/_support.html",
        {
            "complaint": fresh,
            "supported": not error
            or fresh.pk in public.supported_ids(passes.existing_supporter_key(request), [fresh.pk]),
            "note": note,
            "note_is_error": error,
            "next": _safe_next(request, fallback),
        },
        # htmx swaps only 2xx answers; the refusal is shown in the fragment instead.
        status=200 if status < 500 else status,
    )


# --- my complaints -------------------------------------------------------------------------


@login_required
@require_safe
def my_complaints(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own reports, newest first."""
    queryset = selectors.complaint_list(request.user).filter(reporter_id=request.user.pk)
    try:
        page = keyset_page(
            queryset,
            ordering=("-submitted_at", "-id"),
            cursor=request.GET.get("cursor") or None,
            size=PAGE_SIZE,
        )
    except InvalidInput as error:
        return render(
            request,
            "portal/my_complaints.html",
            {"page": None, "items": [], "page_error": str(error)},
            status=http_status_for(error),
        )
    return render(
        request,
        "portal/my_complaints.html",
        {"page": page, "items": list(page.items), "page_error": ""},
    )
