"""Sign-in with the Super-App (``/superapp/masuk/``, its callback), connecting and disconnecting
a citizen's account from the profile page, signing out at the provider (called by the sign-out
view), and the Super-App's deep link to a report (``/superapp/lacak/<tracking-id>/``).
docs/superapp.md describes them.

The views parse, run the protocol (``oidc``), ask ``services.superapp_sign_in`` whom to sign
in, and redirect. Where the person goes afterwards (``next``) is only ever a path on this site,
kept in the session with the flow, never sent to the provider.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from aduan.accounts.models import User
from aduan.complaints.services import normalize_tracking_id
from aduan.core.errors import DomainError
from aduan.portal import passes
from aduan.superapp import oidc, services
from aduan.superapp.config import OidcConfig, get_config

logger = logging.getLogger(__name__)

# The backend the session names for a person signed in here (as registration does).
SIGN_IN_BACKEND = "aduan.accounts.backends.UsernameEmailOrPhoneBackend"
FLOWS_KEY = "superapp_oidc_flows"
# The ID token of this session's Super-App sign-in: the hint for signing out at the provider.
ID_TOKEN_KEY = "superapp_id_token"  # noqa: S105 (a session key, not a secret)
# A browser may have a few sign-ins open at once (tabs); older ones are dropped.
MAX_FLOWS = 5
MAX_TRACKING_ID_LENGTH = 40


def _config_or_404() -> OidcConfig:
    config = get_config()
    if config is None:
        raise Http404
    return config


def safe_next(request: HttpRequest, value: str | None) -> str:
    """``value`` when it is a path on this site ("/…"), else "" (no open redirect)."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return value


def _login_url(target: str) -> str:
    url = reverse("accounts:login")
    return f"{url}?{urlencode({'next': target})}" if target else url


def _after_failure(request: HttpRequest, next_url: str) -> str:
    """Where a sign-in that did not go ahead leads: the sign-in page, or, for someone signed in
    already (connecting their account), back to where they were."""
    if request.user.is_authenticated:
        return next_url or reverse("accounts:profile")
    return _login_url(next_url)


def _site_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _remember_flow(request: HttpRequest, flow: oidc.PendingFlow) -> None:
    flows = dict(request.session.get(FLOWS_KEY) or {})
    flows[flow.state] = flow.to_session()
    while len(flows) > MAX_FLOWS:
        flows.pop(next(iter(flows)))
    request.session[FLOWS_KEY] = flows


def _take_flow(request: HttpRequest, state: str, max_age: int) -> oidc.PendingFlow | None:
    """The flow this browser started with ``state`` (used once), if it is recent enough."""
    flows = dict(request.session.get(FLOWS_KEY) or {})
    data = flows.pop(state, None) if state else None
    now = time.time()
    flows = {
        key: value
        for key, value in flows.items()
        if isinstance(value, dict) and now - float(value.get("started_at", 0)) <= max_age
    }
    request.session[FLOWS_KEY] = flows
    flow = oidc.PendingFlow.from_session(data) if data is not None else None
    if flow is None or now - flow.started_at > max_age:
        return None
    return flow


def _start(request: HttpRequest, config: OidcConfig, target: str, *, fallback: str) -> HttpResponse:
    """Send the browser to the provider; if the provider cannot be reached, to ``fallback``."""
    redirect_uri = config.redirect_uri or request.build_absolute_uri(reverse("superapp:callback"))
    try:
        flow, url = oidc.begin(
            config, redirect_uri=redirect_uri, next_url=target, language=get_language() or ""
        )
    except oidc.OidcError as error:
        logger.warning("Super-App sign-in could not start: %s", error)
        messages.error(
            request,
            _(
                "Sign-in with %(service)s is not available right now. Please try again later, "
                "or sign in with your password."
            )
            % {"service": config.display_name},
        )
        return HttpResponseRedirect(fallback)
    _remember_flow(request, flow)
    return HttpResponseRedirect(url)


@never_cache
@require_safe
def sign_in(request: HttpRequest) -> HttpResponse:
    """Start the sign-in at the Super-App's provider; ``?next=`` is where to go afterwards.

    A citizen who is signed in already connects their account to the Super-App this way.
    """
    config = _config_or_404()
    target = safe_next(request, request.GET.get("next"))
    return _start(request, config, target, fallback=_login_url(target))


@never_cache
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back with a code (or an error)."""
    config = _config_or_404()
    service = config.display_name
    flow = _take_flow(request, request.GET.get("state", ""), config.flow_max_age_seconds)
    if flow is None:
        messages.error(
            request,
            _(
                "This sign-in has expired or was started in another browser. Please choose "
                "“Sign in with %(service)s” again."
            )
            % {"service": service},
        )
        return HttpResponseRedirect(_after_failure(request, ""))
    if request.GET.get("error"):
        logger.info(
            "Super-App sign-in ended by the provider: %s", request.GET.get("error", "")[:100]
        )
        messages.info(request, _("Sign-in with %(service)s was cancelled.") % {"service": service})
        # A deep link goes on to the report's page, where the secret code opens it.
        return HttpResponseRedirect(flow.next_url or _after_failure(request, ""))
    try:
        signed_in = oidc.complete(config, flow=flow, code=request.GET.get("code", ""))
    except oidc.OidcError as error:
        logger.warning("Super-App sign-in failed: %s", error)
        messages.error(
            request,
            _(
                "Sign-in with %(service)s did not succeed. Please try again, or sign in with "
                "your password."
            )
            % {"service": service},
        )
        return HttpResponseRedirect(_after_failure(request, flow.next_url))
    try:
        result = services.superapp_sign_in(
            issuer=str(signed_in.claims["iss"]),
            claims=signed_in.claims,
            current_user=request.user,
            language=getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE,
            site_url=_site_url(request),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_after_failure(request, flow.next_url))
    if not (request.user.is_authenticated and request.user.pk == result.user.pk):
        auth_login(request, result.user, backend=SIGN_IN_BACKEND)
    # After auth_login, which may start a new session. Kept in the session only, never stored.
    request.session[ID_TOKEN_KEY] = signed_in.id_token
    if request.session.session_key is None:
        request.session.save()
    # So that the provider can end this session when the person signs out there.
    sid = signed_in.claims.get("sid")
    services.superapp_session_remember(
        issuer=str(signed_in.claims["iss"]),
        subject=str(signed_in.claims["sub"]),
        sid=sid if isinstance(sid, str) else "",
        session_key=str(request.session.session_key),
    )
    _welcome(request, result, service)
    return HttpResponseRedirect(flow.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _welcome(request: HttpRequest, result: services.SignInResult, service: str) -> None:
    user: Any = result.user
    if result.created:
        messages.success(
            request,
            _("Welcome, %(name)s. Your account was created with %(service)s.")
            % {"name": user.display_name(), "service": service},
        )
    elif result.linked:
        messages.success(
            request,
            _("Your account is now connected to %(service)s.") % {"service": service},
        )


def _citizen(request: HttpRequest) -> User:
    """The signed-in person, who must be a citizen: staff accounts are never connected."""
    user = request.user
    assert isinstance(user, User)  # the views using it require sign-in
    if services.is_or_was_staff(user):
        raise PermissionDenied
    return user


@never_cache
@login_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    """The profile page's "Connect" button: the sign-in flow, which links the Super-App account
    to whoever is signed in, then back to the profile page."""
    config = _config_or_404()
    _citizen(request)
    profile = reverse("accounts:profile")
    return _start(request, config, profile, fallback=profile)


@never_cache
@login_required
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    """The profile page's "Disconnect" button (pressing it twice is harmless)."""
    config = _config_or_404()
    user = _citizen(request)
    service = config.display_name
    try:
        removed = services.superapp_disconnect(actor=user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("accounts:profile")
    # Signing out of Aduan no longer signs the person out of the Super-App.
    request.session.pop(ID_TOKEN_KEY, None)
    if removed:
        messages.success(
            request,
            _(
                "Your account is no longer connected to %(service)s. Sign in with your "
                "password from now on."
            )
            % {"service": service},
        )
    else:
        messages.info(
            request, _("Your account is not connected to %(service)s.") % {"service": service}
        )
    return redirect("accounts:profile")


def take_id_token(request: HttpRequest) -> str:
    """The ID token of this session's Super-App sign-in, taken out of the session ("" if the
    person did not sign in with the Super-App), and the session's record for Back-Channel
    Logout forgotten. Called before the session ends."""
    value = request.session.pop(ID_TOKEN_KEY, "")
    if value:
        services.superapp_session_forget(request.session.session_key)
    return value if isinstance(value, str) else ""


def provider_sign_out(request: HttpRequest, id_token: str) -> HttpResponse | None:
    """After the local sign-out: the redirect that ends the session at the provider too
    (RP-Initiated Logout 1.0), or None (no Super-App sign-in in this session, no
    ``end_session_endpoint``, or the provider cannot be reached: signed out here only).

    The provider sends the browser back to ``ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI`` or
    this site's home page; nothing in the request chooses it.
    """
    config = get_config()
    if config is None or not id_token:
        return None
    post_logout_redirect_uri = config.post_logout_redirect_uri or request.build_absolute_uri(
        reverse("portal:home")
    )
    try:
        url = oidc.end_session_url(
            config,
            id_token=id_token,
            post_logout_redirect_uri=post_logout_redirect_uri,
            language=get_language() or "",
        )
    except oidc.OidcError as error:
        logger.warning("Signing out at the Super-App's provider is not possible: %s", error)
        return None
    return HttpResponseRedirect(url) if url else None


@csrf_exempt
@never_cache
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """The provider signs the person out here too (OpenID Connect Back-Channel Logout 1.0):
    it POSTs a signed ``logout_token`` from its server when the person signs out of the
    Super-App. 200 when the sessions it names are ended (or were already), 400 with an
    ``invalid_request`` error when the token does not pass ``oidc.validate_logout_token``
    (``temporarily_unavailable`` when the provider's keys cannot be fetched to check it: the
    provider may send it again)."""
    config = _config_or_404()
    try:
        logout = oidc.validate_logout_token(config, request.POST.get("logout_token", ""))
    except oidc.OidcError as error:
        logger.warning("Super-App back-channel logout refused: %s", error)
        if error.reason.startswith(("discovery_", "jwks_")):
            return _logout_answer(
                400, "temporarily_unavailable", _("The sign-in provider cannot be reached.")
            )
        return _logout_answer(400, "invalid_request", _("The logout token is not valid."))
    ended = services.superapp_backchannel_logout(
        issuer=logout.issuer, subject=logout.subject, sid=logout.sid, jti=logout.jti
    )
    logger.info("Super-App back-channel logout ended %d session(s)", ended)
    return _logout_answer(200)


def _logout_answer(status: int, error: str = "", description: str = "") -> HttpResponse:
    """The answer to the provider: empty on success, else an OAuth-style JSON error; never
    cached (Back-Channel Logout 1.0 §2.8)."""
    response = (
        JsonResponse({"error": error, "error_description": description}, status=status)
        if error
        else HttpResponse(status=status)
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["Pragma"] = "no-cache"
    return response


@never_cache
@require_safe
def track(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """The Super-App's deep link to a report: ``/superapp/lacak/<tracking-id>/``.

    Goes to the report's page (``/lacak/<tracking-id>/``), which shows the report to its
    reporter and the tracking-ID-and-secret form to anyone else. A visitor who is not signed
    in (and has not opened the report with its secret in this browser) signs in with the
    Super-App first, then lands there. Without a configured provider it only redirects.
    """
    canonical = normalize_tracking_id(tracking_id)
    if not canonical or len(canonical) > MAX_TRACKING_ID_LENGTH:
        return HttpResponseRedirect(reverse("portal:track"))
    target = reverse("portal:track_detail", kwargs={"tracking_id": canonical})
    config = get_config()
    if (
        config is None
        or request.user.is_authenticated
        or passes.complaint_for_pass(request.session, canonical) is not None
    ):
        return HttpResponseRedirect(target)
    return _start(request, config, target, fallback=target)
