"""The connector's page (/staf/lapor/): configuration, last runs, parked messages with Retry and
Discard, national reports that could not be taken in, the reporter's national files that were
not attached (Try again). System administrators only; thin: every
change goes through ``aduan.lapor.services`` (audited), forms PRG."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from aduan.backoffice.access import forbidden, menu_context, staff_page, works_with_complaints
from aduan.complaints.policies import staff_roles
from aduan.core.errors import DomainError
from aduan.core.pagination import keyset_page
from aduan.lapor import selectors, services
from aduan.lapor.models import NationalFile, OutboundMessage

PAGE = 20


def _admin_only(request: HttpRequest) -> HttpResponse | None:
    return None if services.may_administer(request.user) else forbidden(request)


@require_safe
@never_cache
@staff_page(works=False)
def admin(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    try:
        page = keyset_page(
            selectors.parked_messages(),
            ordering=("id",),
            cursor=request.GET.get("cursor") or None,
            size=PAGE,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("lapor:admin")
    context: dict[str, Any] = {
        "overview": selectors.overview(),
        "page": page,
        "next_url": f"?cursor={page.next_cursor}" if page.next_cursor else "",
        "previous_url": f"?cursor={page.previous_cursor}" if page.previous_cursor else "",
        **menu_context(request, "lapor"),
        # A system administrator who also works with complaints (e.g. a coordinator) gets links
        # to them; one who only administers sees the tracking IDs (the workspace would refuse).
        "opens_complaints": works_with_complaints(staff_roles(request.user)),
    }
    return render(request, "lapor/admin.html", context)


@require_POST
@staff_page(works=False)
def sync_now(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    services.sync_request(actor=request.user)
    messages.success(request, _("A sync was queued; the worker runs it within seconds."))
    return redirect("lapor:admin")


def _no_longer_parked(request: HttpRequest, pk: int) -> HttpResponse:
    """Retry or Discard on a message that was retried or discarded meanwhile (pressed twice)."""
    if not OutboundMessage.objects.filter(pk=pk).exists():
        raise Http404
    messages.info(request, _("This message is no longer parked: it was retried or discarded."))
    return redirect("lapor:admin")


@require_POST
@staff_page(works=False)
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    message = selectors.parked_message(pk)
    if message is None:
        return _no_longer_parked(request, pk)
    services.message_retry(actor=request.user, messages=[message])
    messages.success(request, _("The message will be sent again at the next sync."))
    return redirect("lapor:admin")


@require_POST
@staff_page(works=False)
def retry_all(request: HttpRequest) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    count = services.message_retry(
        actor=request.user, messages=list(selectors.parked_messages().order_by("id")[:1000])
    )
    messages.success(
        request,
        _("%(count)d message(s) will be sent again at the next sync.") % {"count": count},
    )
    return redirect("lapor:admin")


@require_POST
@staff_page(works=False)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    message = selectors.parked_message(pk)
    if message is None:
        return _no_longer_parked(request, pk)
    try:
        services.message_discard(
            actor=request.user, message=message, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("lapor:admin")
    messages.success(
        request,
        _("The message was discarded. Run a reconcile to see what SP4N-LAPOR! misses now."),
    )
    return redirect("lapor:admin")


@require_POST
@staff_page(works=False)
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    link = selectors.untaken_report(pk)
    if link is None:
        raise Http404
    try:
        outcome = services.report_retry(actor=request.user, link=link)
    except ImproperlyConfigured as error:
        messages.error(request, str(error))
        return redirect("lapor:admin")
    if outcome == "created":
        messages.success(request, _("The national report was taken in."))
    else:
        messages.error(request, _("The national report still cannot be taken in."))
    return redirect("lapor:admin")


@require_POST
@staff_page(works=False)
def file_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    file = selectors.refused_file(pk)
    if file is None:
        state = NationalFile.objects.filter(pk=pk).values_list("state", flat=True).first()
        if state is None:
            raise Http404
        # Pressed twice, or by two administrators: the first already sent it back.
        if state == NationalFile.State.TAKEN:
            messages.info(request, _("The file is attached already."))
        else:
            messages.info(request, _("The file was already sent back to be fetched."))
        return redirect("lapor:admin")
    if services.national_file_retry(actor=request.user, file=file):
        messages.success(request, _("The file will be fetched again at the next sync."))
    else:
        messages.info(request, _("The file was already sent back to be fetched."))
    return redirect("lapor:admin")
