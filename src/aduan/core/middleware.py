"""Middleware that gives every request an id, so audit events can be traced to it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from aduan.core.context import request_id_var

# fullmatch, not match with "$": "$" also matches before a trailing newline, which would
# then be echoed into a response header.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` when it looks safe, otherwise makes one, and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """Bahasa Indonesia unless the person chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a public service in
    Indonesia answers in Bahasa Indonesia by default, so only an explicit choice counts: the
    language cookie (set by the switcher), then the signed-in user's saved preference.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        available = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen not in available:
            user = getattr(request, "user", None)
            chosen = getattr(user, "language", "") if user is not None else ""
        if chosen not in available:
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", chosen)
        translation.deactivate()
        return response
