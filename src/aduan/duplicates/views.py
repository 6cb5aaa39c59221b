"""Back-office actions of the duplicates app (under /staf/duplikat/). Showing candidates and the
merge button live on the complaint page (``templatetags.duplicates``); merging itself is the
workspace's own "gabungkan" action."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aduan.backoffice.access import forbidden, staff_page
from aduan.complaints import selectors
from aduan.core.errors import DomainError, PermissionDenied
from aduan.duplicates import services
from aduan.duplicates.models import DuplicateCandidate


@require_POST
@staff_page()
def dismiss(request: HttpRequest, tracking_id: str, pair: int) -> HttpResponse:
    """ "Not a duplicate": the pair is no longer shown on either complaint."""
    try:
        complaint = selectors.complaint_get(request.user, tracking_id, as_staff=True)
    except PermissionDenied:
        raise Http404 from None
    row = DuplicateCandidate.objects.filter(pk=pair).first()
    if row is None:
        raise Http404
    try:
        services.duplicate_dismiss(actor=request.user, pair=row, complaint=complaint)
    except PermissionDenied:
        return forbidden(request)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Marked as not a duplicate."))
    return redirect("backoffice:complaint", complaint.tracking_id)
