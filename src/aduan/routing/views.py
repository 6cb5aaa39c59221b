"""The routing screens: the administrators' page (/staf/rute/) and the coordinators' two
actions on a complaint (use the suggestion, undo an automatic dispatch).

Thin: every change goes through ``aduan.routing.services``; forms PRG, errors next to the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from aduan.backoffice.access import forbidden, menu_context, staff_page
from aduan.complaints import selectors as complaint_selectors
from aduan.complaints.models import Complaint
from aduan.core.errors import DomainError, PermissionDenied
from aduan.core.pagination import keyset_page
from aduan.core.web import add_form_error, http_status_for
from aduan.routing import selectors, services
from aduan.routing.forms import SettingsForm, UndoForm, UploadForm

HISTORY_PAGE = 20


def _screen(
    request: HttpRequest,
    *,
    settings_form: SettingsForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    overview = selectors.overview()
    try:
        page = keyset_page(
            selectors.model_versions(),
            ordering=("-created_at", "-id"),
            cursor=request.GET.get("cursor") or None,
            size=HISTORY_PAGE,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("routing:admin")
    links = {}
    for name, cursor in (("next_url", page.next_cursor), ("previous_url", page.previous_cursor)):
        if cursor:
            links[name] = f"?cursor={cursor}"
    context: dict[str, Any] = {
        "overview": overview,
        "page": page,
        **links,
        "settings_form": settings_form or SettingsForm(current=overview.settings),
        "upload_form": upload_form or UploadForm(),
        "uploads_allowed": settings.ADUAN_ROUTING_UPLOADS,
        **menu_context(request, "routing"),
    }
    return render(request, "routing/admin.html", context, status=status)


def _admin_only(request: HttpRequest) -> HttpResponse | None:
    return None if services.may_administer(request.user) else forbidden(request)


@require_safe
@never_cache
@staff_page(works=False)
def admin(request: HttpRequest) -> HttpResponse:
    """The model in use, its held-out figures, the threshold and switches, the versions."""
    return _admin_only(request) or _screen(request)


@require_POST
@staff_page(works=False)
def settings_change(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    form = SettingsForm(request.POST, current=services.routing_settings())
    if not form.is_valid():
        return _screen(request, settings_form=form, status=400)
    data = form.cleaned_data
    try:
        services.settings_update(
            actor=request.user,
            target_precision=data["target_precision"],
            threshold_override=data["threshold_override"],
            prefill_enabled=data["prefill_enabled"],
            auto_dispatch_enabled=data["auto_dispatch_enabled"],
            retrain_every_days=data["retrain_every_days"],
        )
    except DomainError as error:
        add_form_error(form, error)
        return _screen(request, settings_form=form, status=http_status_for(error))
    messages.success(request, _("The routing settings were saved."))
    return redirect("routing:admin")


@require_POST
@staff_page(works=False)
def retrain(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    services.retrain_request(actor=request.user)
    messages.success(
        request,
        _("Retraining was queued; the worker trains the model and reports the result here."),
    )
    return redirect("routing:admin")


@require_POST
@staff_page(works=False)
def upload(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _screen(request, upload_form=form, status=400)
    try:
        services.model_upload(actor=request.user, upload=form.cleaned_data["model_file"])
    except DomainError as error:
        form.add_error("model_file", str(error))
        return _screen(request, upload_form=form, status=http_status_for(error))
    messages.success(
        request,
        _(
            "The model file was checked and queued: the worker evaluates it on the held-out "
            "complaints and reports the result here."
        ),
    )
    return redirect("routing:admin")


# --- a coordinator on one complaint ----------------------------------------------------------


def _complaint(request: HttpRequest, tracking_id: str) -> Complaint:
    try:
        return complaint_selectors.complaint_get(request.user, tracking_id, as_staff=True)
    except PermissionDenied:
        raise Http404 from None


@require_POST
@staff_page()
def use(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """ "Use this suggestion": the complaint page again, its dispatch form filled in."""
    complaint = _complaint(request, tracking_id)
    view = selectors.suggestion_for(complaint)
    if not selectors.may_use(request.user, complaint, view):
        messages.error(request, _("This suggestion cannot be used to fill the dispatch form."))
        return redirect("backoffice:complaint", tracking_id=complaint.tracking_id)
    services.suggestion_mark_applied(actor=request.user, complaint=complaint)
    messages.info(
        request,
        _("The dispatch form is filled in with the suggestion: check it, then press Dispatch."),
    )
    url = reverse("backoffice:complaint", args=[complaint.tracking_id])
    # The field inside the folded panel: browsers unfold a <details> around a fragment target.
    return redirect(f"{url}?rute=1#id_dispatch-lead_agency")


@require_POST
@staff_page()
def undo(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """Take back an automatic dispatch: the complaint waits for verification again."""
    complaint = _complaint(request, tracking_id)
    form: forms.Form = UndoForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return redirect("backoffice:complaint", tracking_id=complaint.tracking_id)
    try:
        services.auto_dispatch_undo(
            actor=request.user, complaint=complaint, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The automatic dispatch was undone; the complaint awaits verification.")
        )
    return redirect("backoffice:complaint", tracking_id=complaint.tracking_id)
