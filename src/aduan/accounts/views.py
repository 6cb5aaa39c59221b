"""Account pages under /akun/: sign-in with the staff two-factor step, registration, e-mail and
phone verification, and the profile. Password reset and change are Django's own views (see
urls.py) with our templates.

Views parse, call ``aduan.accounts.services`` for every change, and render; a refusal comes back
as a domain error shown next to the field it concerns, or at the top of the form.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts import services
from aduan.accounts.forms import LoginForm, OtpTokenForm, PhoneCodeForm, ProfileForm, RegisterForm
from aduan.accounts.middleware import is_staff_account
from aduan.accounts.models import PhoneVerification, User
from aduan.complaints.policies import staff_roles
from aduan.core.errors import DomainError
from aduan.core.web import add_form_error, http_status_for
from aduan.identity.services import NIK_STATUS_HELP
from aduan.superapp import views as superapp_views

# The backend that found the account; named when signing in a person who just registered.
SIGN_IN_BACKEND = "aduan.accounts.backends.UsernameEmailOrPhoneBackend"
WRONG_CODE = gettext_lazy(
    "That code is not right. Type the six digits the app shows now for this account, and "
    "check that the phone's clock is set automatically."
)


# --- Helpers ------------------------------------------------------------------------------


def _account(request: HttpRequest) -> User:
    """The signed-in person (the views using it require sign-in)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """``value`` when it is a URL on this site, else the empty string."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _requested_next(request: HttpRequest) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


def _site_url(request: HttpRequest) -> str:
    """Where links in messages point: this site, as the person reached it."""
    return f"{request.scheme}://{request.get_host()}"


def _home_for(user: Any) -> str:
    """Where a person lands after signing in when no page was asked for."""
    if staff_roles(user).is_staff:
        return reverse("backoffice:home")
    if getattr(user, "is_staff", False):
        return reverse("admin:index")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _is_verified(user: Any) -> bool:
    """Whether this session passed the TOTP step (django-otp's middleware adds the check)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def _confirmed_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def _throttle_wait(devices: list[TOTPDevice]) -> int:
    """Seconds until django-otp lets any of ``devices`` check a code again (0: now)."""
    waits = []
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if allowed:
            return 0
        until = (details or {}).get("locked_until")
        waits.append(
            math.ceil((until - timezone.now()).total_seconds()) if until is not None else 1
        )
    return max(1, min(waits)) if waits else 0


def _qr_svg(data: str, label: str) -> SafeString:
    """A QR code as inline SVG, drawn on the server (no JavaScript, no image request)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=label, svgclass="qr-code"
    )
    # segno writes only fixed markup, the title (escaped by segno) and the path data.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def _grouped(secret: str) -> str:
    """A base32 secret in groups of four, easier to copy by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


# --- Sign in and out ----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Sign in with a username, e-mail or phone and the password; staff then go to the TOTP
    step, keeping the page they asked for."""

    form_class = LoginForm
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["register_url"] = _with_next(reverse("accounts:register"), context["next"])
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        auth_login(self.request, user)
        target = self.get_redirect_url()  # "" unless it is a URL on this site
        if is_staff_account(user):
            target = target or _home_for(user)
            if settings.ADUAN_STAFF_REQUIRE_2FA and not _is_verified(self.request.user):
                return HttpResponseRedirect(_with_next(reverse("accounts:two_factor"), target))
        return HttpResponseRedirect(target or _home_for(user))


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only). After a sign-in with the Super-App in this session, or connecting
    it from the profile page (which also signs in at the provider), the browser then goes on to
    end the session at the Super-App's provider too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = superapp_views.take_id_token(request)  # before the session ends
        response = super().post(request, *args, **kwargs)  # here first, whatever follows
        return superapp_views.provider_sign_out(request, id_token) or response


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer after too many failed sign-ins (``AXES_LOCKOUT_CALLABLE``).

    This page answers a failed attempt, and every failed attempt during a lockout starts the
    cool-off again (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``), so the wait runs from now.
    """
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    retry_at = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


# --- Staff two-factor (TOTP) ----------------------------------------------------------------


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app.

    Staff without a confirmed authenticator set one up here first (QR code or the secret
    typed in by hand, confirmed with a code). Others have nothing to do here.
    """
    user = _account(request)
    target = _requested_next(request) or _home_for(user)
    if _is_verified(user):
        return redirect(target)
    devices = _confirmed_devices(user)
    if devices:
        return _two_factor_verify(request, user, devices, target)
    if not is_staff_account(user):
        return redirect(target)
    return _two_factor_enrol(request, user, target)


def _two_factor_verify(
    request: HttpRequest, user: User, devices: list[TOTPDevice], target: str
) -> HttpResponse:
    status = 200
    form = OtpTokenForm(request.POST or None, initial={"next": target})
    if request.method == "POST":
        if form.is_valid():
            wait = _throttle_wait(devices)
            if wait:
                form.add_error("otp_token", _too_many_codes_message(wait))
            else:
                token = form.cleaned_data["otp_token"]
                for device in devices:
                    # django-otp locks the device row, counts a wrong code and refuses a
                    # code that was already used.
                    matched = verify_token(user, device.persistent_id, token)
                    if matched is not None:
                        otp_login(request, matched)
                        return redirect(target)
                form.add_error("otp_token", WRONG_CODE)
        status = 400
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "next": target},
        status=status,
    )


def _too_many_codes_message(wait: int) -> str:
    return _(
        "Too many wrong codes. Wait %(seconds)d seconds, then type the code the app shows "
        "at that moment."
    ) % {"seconds": wait}


def _two_factor_enrol(request: HttpRequest, user: User, target: str) -> HttpResponse:
    device = services.two_factor_enrolment_device(user=user)
    status = 200
    form = OtpTokenForm(request.POST or None, initial={"next": target})
    if request.method == "POST":
        wait = _throttle_wait([device])
        if not form.is_valid():
            status = 400
        elif wait:
            form.add_error("otp_token", _too_many_codes_message(wait))
            status = 400
        else:
            try:
                confirmed = services.two_factor_confirm(
                    user=user, device=device, token=form.cleaned_data["otp_token"]
                )
            except DomainError as error:
                add_form_error(form, error)
                status = http_status_for(error)
            else:
                if confirmed:
                    otp_login(request, device)
                    messages.success(
                        request,
                        _(
                            "Two-step sign-in is set up. From now on you sign in with your "
                            "password and a code from the app."
                        ),
                    )
                    return redirect(target)
                form.add_error("otp_token", WRONG_CODE)
                status = 400
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "next": target,
            "qr_svg": _qr_svg(
                device.config_url,
                _("QR code to add this account to an authenticator app"),
            ),
            "secret": _grouped(secret),
            "account_label": user.get_username(),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        },
        status=status,
    )


@never_cache
@login_required
@require_POST
def two_factor_reset(request: HttpRequest) -> HttpResponse:
    """Drop one's own authenticator (a new phone) and set up another at once.

    Only from a session that passed the TOTP step: a password alone must not be enough to
    swap the authenticator for the attacker's.
    """
    user = _account(request)
    profile_url = reverse("accounts:profile")
    if _confirmed_devices(user) and not _is_verified(user):
        return redirect(_with_next(reverse("accounts:two_factor"), profile_url))
    services.two_factor_reset(actor=user, user=user)
    messages.info(
        request,
        _("Your old authenticator no longer works. Set up the new one now."),
    )
    return redirect(_with_next(reverse("accounts:two_factor"), profile_url))


# --- Registration ---------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2", "nik")
@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A reporter's new account; signed in at once, with verification of each contact started."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    target = _requested_next(request)
    status = 200
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.account_register(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    password=data["password1"],
                    language=getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
                    site_url=_site_url(request),
                    nik=data["nik"],
                )
            except DomainError as error:
                add_form_error(form, error)
                status = http_status_for(error)
            else:
                auth_login(request, user, backend=SIGN_IN_BACKEND)
                messages.success(
                    request,
                    _("Welcome, %(name)s. Your account is ready; your username is %(username)s.")
                    % {"name": user.display_name(), "username": user.get_username()},
                )
                if user.email:
                    messages.info(
                        request,
                        _("We sent a link to %(email)s. Open it to confirm your address.")
                        % {"email": user.email},
                    )
                if user.phone:
                    return redirect(_with_next(reverse("accounts:verify_phone"), target))
                return redirect(target or "accounts:profile")
        else:
            status = 400
    return render(request, "accounts/register.html", {"form": form, "next": target}, status=status)


# --- E-mail and phone verification ----------------------------------------------------------


@never_cache
@require_safe
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the verification e-mail (following it twice is harmless)."""
    try:
        user = services.email_verify(token=token)
    except DomainError as error:
        return render(
            request,
            "accounts/verify_email.html",
            {"error": str(error)},
            status=http_status_for(error),
        )
    return render(request, "accounts/verify_email.html", {"email": user.email})


@never_cache
@login_required
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    """Send the verification link again (at most once a minute)."""
    user = _account(request)
    try:
        services.email_verification_send(user=user, site_url=_site_url(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("We sent a new link to %(email)s. Open it to confirm your address.")
            % {"email": user.email},
        )
    return redirect("accounts:profile")


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify_phone(request: HttpRequest) -> HttpResponse:
    """Type the six-digit code that came by text message."""
    user = _account(request)
    target = _requested_next(request) or reverse("accounts:profile")
    if not user.phone:
        messages.info(request, _("There is no phone number on your account. Add one first."))
        return redirect("accounts:profile")
    if user.phone_verified_at is not None:
        messages.info(request, _("Your phone number is already verified."))
        return redirect(target)
    status = 200
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.phone_verify(user=user, code=form.cleaned_data["code"])
            except DomainError as error:
                form.add_error("code", str(error))
                status = http_status_for(error)
            else:
                messages.success(request, _("Your phone number is verified. Thank you."))
                return redirect(target)
        else:
            status = 400
    return render(
        request,
        "accounts/verify_phone.html",
        {
            "form": form,
            "next": target,
            "phone": user.phone,
            "minutes": PhoneVerification.CODE_VALID_MINUTES,
        },
        status=status,
    )


@never_cache
@login_required
@require_POST
def verify_phone_resend(request: HttpRequest) -> HttpResponse:
    """Send a new code by text message (at most one a minute; a new code voids the old)."""
    user = _account(request)
    try:
        services.phone_verification_start(user=user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("We sent a new code to %(phone)s.") % {"phone": user.phone})
    return redirect("accounts:verify_phone")


# --- Profile --------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("nik")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """One's own name, contacts and language; their verification; password and two-factor."""
    user = _account(request)
    staff = is_staff_account(user)
    status = 200
    form = ProfileForm(request.POST or None, account=user, with_nik=not staff)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.account_update(
                    user=user,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=data["language"],
                    site_url=_site_url(request),
                    nik=data.get("nik"),  # None: no NIK field (staff), left as it is
                )
            except DomainError as error:
                add_form_error(form, error)
                status = http_status_for(error)
            else:
                return _profile_saved(request, change, data)
        else:
            status = 400
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "account": user,
            "is_staff_account": staff,
            "has_authenticator": staff and bool(_confirmed_devices(user)),
            "nik_status_help": NIK_STATUS_HELP.get(user.nik_status, ""),
        },
        status=status,
    )


def _profile_saved(
    request: HttpRequest, change: services.ProfileChange, data: dict[str, Any]
) -> HttpResponse:
    if not change.changed:
        messages.info(request, _("Nothing was changed."))
    else:
        messages.success(request, _("Your details are saved."))
    if change.email_sent:
        messages.info(
            request,
            _("We sent a link to %(email)s. Open it to confirm your new address.")
            % {"email": data["email"]},
        )
    response = redirect("accounts:profile")
    if change.phone_code_sent:
        messages.info(
            request,
            _("We sent a code to %(phone)s by text message.") % {"phone": data["phone"]},
        )
        response = redirect("accounts:verify_phone")
    if "language" in change.changed:
        # The language cookie wins over the account's choice: keep the two the same.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
