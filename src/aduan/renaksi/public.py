"""The public summary of the action plan (``/renaksi/``), without signing in.

It shows the plan as anyone may read it: the aspects, their program groups and activities with
the parties involved and the status per year, the progress per year and the self-assessment
scores with the priority order and reasons. Never an internal note, a piece of evidence or the
name of an officer: ``selectors.plan_overview(public=True)`` does not even read them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from aduan.renaksi import selectors

MAX_AGE = 60  # seconds: an administrator's change shows within a minute


@require_safe
def summary(request: HttpRequest) -> HttpResponse:
    overview = selectors.plan_overview(public=True)
    response = render(request, "renaksi/public.html", {"overview": overview})
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    # The language comes from a cookie (core.middleware.LanguageMiddleware).
    patch_vary_headers(response, ("Cookie",))
    return response
