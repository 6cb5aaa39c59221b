"""Staff security: two-factor sign-in for the back office and the admin, and an idle timeout."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from aduan.complaints.policies import staff_roles

PROTECTED_PREFIXES = ("/staf/", "/admin/")
LAST_SEEN_KEY = "aduan_last_seen"


def is_staff_account(user: object) -> bool:
    """Anyone with a staff role or Django admin rights."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (staff_roles(user).is_staff or getattr(user, "is_staff", False))
    )


class StaffSecurityMiddleware:
    """Ends a staff session after ``ADUAN_STAFF_IDLE_MINUTES`` without a request, and sends
    staff who have not passed the TOTP step to it before any back-office or admin page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if is_staff_account(user):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            idle_limit = settings.ADUAN_STAFF_IDLE_MINUTES * 60
            if last_seen is not None and now - float(last_seen) > idle_limit:
                logout(request)
                messages.info(
                    request, _("You were signed out after a period of inactivity. Sign in again.")
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
            # Written at most once a minute, so a busy officer does not save the session on
            # every request.
            if last_seen is None or now - float(last_seen) > 60:
                request.session[LAST_SEEN_KEY] = now
            if (
                settings.ADUAN_STAFF_REQUIRE_2FA
                and request.path.startswith(PROTECTED_PREFIXES)
                and not user.is_verified()  # type: ignore[union-attr]
            ):
                target = reverse("accounts:two_factor")
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
