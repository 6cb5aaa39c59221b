"""Operational endpoints and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with ``{"status": "ok", "database": "ok"}`` when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered in a cookie and, when signed in, the account."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
        if request.user.is_authenticated:
            from aduan.accounts.services import account_set_language

            account_set_language(user=request.user, language=language)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 in the form the caller reads: an RFC 9457 problem under /api/, an Open311 error under
    /open311/ (JSON, or XML for a .xml path), the site's page elsewhere."""
    from django.utils import translation
    from django.utils.translation import gettext
    from django.views.defaults import page_not_found

    path = request.path
    if path.startswith("/api/"):
        from aduan.api.base import api_language
        from aduan.api.problems import PROBLEM_CONTENT_TYPE

        language = api_language(request)
        with translation.override(language):
            body = {
                "type": "/api/problems/not_found",
                "title": gettext("Not found"),
                "status": 404,
                "detail": gettext("There is no such address in the API (docs: /api/docs/)."),
                "code": "not_found",
            }
        response: HttpResponse = JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
        response["Content-Language"] = language
        return response
    if path.startswith("/open311/"):
        from aduan.open311.formats import error
        from aduan.open311.views import open311_language

        with translation.override(open311_language(request)):
            return error(
                "xml" if path.endswith(".xml") else "json",
                404,
                gettext("There is no such address in this Open311 API (see discovery.json)."),
            )
    return page_not_found(request, exception)
