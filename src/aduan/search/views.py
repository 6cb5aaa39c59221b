"""Search pages: the public search (/cari/) and the staff search (/cari/staf/).

Thin: scopes come from ``aduan.complaints.selectors`` (the public set, or exactly what the
staff member's back-office lists show), the search itself from ``aduan.search.selectors``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from aduan.backoffice.access import menu_context, staff_page
from aduan.complaints import selectors
from aduan.complaints.models import Complaint
from aduan.core.errors import InvalidInput
from aduan.search.forms import SearchForm
from aduan.search.selectors import scope_agencies, search_complaints

PAGE_SIZE = 20


def _search_context(
    request: HttpRequest, scope: QuerySet[Complaint], agencies: list[int] | None = None
) -> tuple[dict[str, Any], int]:
    """The form, and the page of results once a search was made (or the error)."""
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None, "error": ""}
    if "q" not in request.GET:
        return context, 200
    try:
        context["page"] = search_complaints(
            scope,
            request.GET.get("q", ""),
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
            agencies=agencies,
        )
    except InvalidInput as error:
        context["error"] = str(error)
        return context, 400
    return context, 200


@require_safe
def public_search(request: HttpRequest) -> HttpResponse:
    """Search the public reports: tracking ID, title, status and date; nothing private."""
    context, status = _search_context(request, selectors.public_complaints())
    return render(request, "search/public.html", context, status=status)


@require_safe
@staff_page()
def staff_search(request: HttpRequest) -> HttpResponse:
    """Search the complaints the staff member works on, scoped as their back-office lists."""
    # /cari/ is outside the prefixes StaffSecurityMiddleware guards, so the two-factor step is
    # required here as it is for every back-office page.
    if settings.ADUAN_STAFF_REQUIRE_2FA and not request.user.is_verified():  # type: ignore[union-attr]
        target = reverse("accounts:two_factor")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
    scope = selectors.complaint_list(request.user, as_staff=True)
    context, status = _search_context(request, scope, scope_agencies(request.user))
    context.update(menu_context(request, "search"))
    response = render(request, "search/staff.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
