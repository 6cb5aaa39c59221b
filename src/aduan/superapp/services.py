"""Who a Super-App sign-in is: the linked account, a citizen account linked by a verified
e-mail address, or a new citizen account. Staff accounts are never signed in or linked this way.
A citizen can also disconnect their account from the Super-App (``superapp_disconnect``).

Refusals are :class:`SignInRefused` (a ``PermissionDenied``) with a translated message for the
person; a refusal that touches an existing account is audited (``superapp.sign_in_refused``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.accounts.services import derive_username, email_verification_send
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.superapp.models import SuperAppIdentity, SuperAppLogoutToken, SuperAppSession

STAFF_REFUSED = _(
    "Staff accounts cannot sign in with %(service)s. Sign in with your username, password "
    "and authenticator code."
)
EMAIL_TAKEN = _(
    "An account with the e-mail address %(email)s already exists. To connect it to "
    "%(service)s, sign in with its password first (use “Forgot your password?” if needed), "
    "then choose “Sign in with %(service)s” again."
)
LINKED_ELSEWHERE = _(
    "This %(service)s account is already connected to another account. Sign out first to use it."
)
OTHER_IDENTITY = _("Your account is already connected to another %(service)s account.")
INACTIVE = _("This account is disabled. Please contact the complaint service.")
NO_OTHER_WAY_IN = _(
    "Your account stays connected to %(service)s for now: without it you would have no way to "
    "sign in. First give your e-mail address on this page and confirm it with the link we send; "
    "then “Forgot your password?” gives you a password of your own, and you can disconnect."
)


class SignInRefused(PermissionDenied):
    """The Super-App sign-in may not go ahead (a staff account, an unconfirmed e-mail that
    another account uses, …)."""

    code = "superapp_sign_in_refused"


@dataclass(frozen=True)
class SignInResult:
    """Whom to sign in, and what the sign-in did to the accounts."""

    user: User
    created: bool = False
    linked: bool = False


@dataclass(frozen=True)
class _Profile:
    """The provider's claims, cleaned to what an account can hold."""

    name: str
    email: str
    email_verified: bool
    phone: str
    phone_verified: bool


def _is_true(value: Any) -> bool:
    # Some providers send booleans as the strings "true"/"false".
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _profile(claims: Mapping[str, Any]) -> _Profile:
    from aduan.complaints.services import normalize_phone

    email = User.objects.normalize_email(str(claims.get("email") or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    try:
        phone = normalize_phone(str(claims.get("phone_number") or "").strip())
    except InvalidInput:
        phone = ""
    name = str(claims.get("name") or "").strip() or " ".join(
        str(claims.get(part) or "").strip() for part in ("given_name", "family_name")
    )
    return _Profile(
        name=" ".join(name.split())[:150],
        email=email[:254],
        email_verified=bool(email) and _is_true(claims.get("email_verified")),
        phone=phone,
        phone_verified=bool(phone) and _is_true(claims.get("phone_number_verified")),
    )


def is_or_was_staff(user: User) -> bool:
    """Staff in any sense: Django staff or superuser, or any membership (even an inactive one:
    a former officer's account must not become reachable through the Super-App either)."""
    return bool(user.is_staff or user.is_superuser or user.memberships.exists())


def _refuse(
    message: Any, *, service: str, target: User | None, reason: str, issuer: str, **params: Any
) -> SignInRefused:
    """The refusal to raise; audited in its own transaction when it concerns an account, so
    the record survives the refusal."""
    if target is not None:
        with transaction.atomic():
            audit_log(
                actor=None,
                action="superapp.sign_in_refused",
                target=target,
                data={"reason": reason, "issuer": issuer},
                actor_label="superapp",
            )
    return SignInRefused(message, service=service, **params)


def superapp_sign_in(
    *,
    issuer: str,
    claims: Mapping[str, Any],
    current_user: Any = None,
    language: str = "",
    site_url: str = "",
) -> SignInResult:
    """The account a person who proved their Super-App identity (``issuer`` and the verified
    ``claims``, at least ``sub``) signs in to.

    1. An account already linked to this subject: that account (never a staff one).
    2. Someone already signed in here (a citizen): the identity is linked to their account.
    3. An account with the same e-mail address: linked only when the provider says the
       address is verified (``email_verified``) and the account had confirmed it too;
       otherwise refused with advice (sign in with the password, then connect).
       A staff account is never linked: refused.
    4. Otherwise a new citizen account (no role, a random password) with the provider's name
       and contacts; a phone number another account uses is left out. An unverified e-mail
       address gets the usual verification link.
    """
    service = settings.ADUAN_SUPERAPP_NAME
    subject = str(claims["sub"])
    profile = _profile(claims)
    signed_in = current_user if getattr(current_user, "is_authenticated", False) else None

    identity = (
        SuperAppIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if is_or_was_staff(user):
            raise _refuse(
                STAFF_REFUSED, service=service, target=user, reason="staff_account", issuer=issuer
            )
        if signed_in is not None and signed_in.pk != user.pk:
            raise SignInRefused(LINKED_ELSEWHERE, service=service)
        if not user.is_active:
            raise SignInRefused(INACTIVE)
        with transaction.atomic():
            SuperAppIdentity.objects.filter(pk=identity.pk).update(last_sign_in_at=clock.now())
        return SignInResult(user=user)

    if signed_in is not None:
        account = User.objects.get(pk=signed_in.pk)
        if is_or_was_staff(account):
            raise _refuse(
                STAFF_REFUSED,
                service=service,
                target=account,
                reason="staff_account",
                issuer=issuer,
            )
        return SignInResult(
            user=_link(user=account, issuer=issuer, subject=subject, via="signed_in"),
            linked=True,
        )

    if profile.email:
        existing = User.objects.filter(email__iexact=profile.email).first()
        if existing is not None:
            if is_or_was_staff(existing):
                raise _refuse(
                    STAFF_REFUSED,
                    service=service,
                    target=existing,
                    reason="staff_email",
                    issuer=issuer,
                )
            if not profile.email_verified or existing.email_verified_at is None:
                raise _refuse(
                    EMAIL_TAKEN,
                    service=service,
                    target=existing,
                    reason="email_not_verified",
                    issuer=issuer,
                    email=profile.email,
                )
            if not existing.is_active:
                raise SignInRefused(INACTIVE)
            return SignInResult(
                user=_link(user=existing, issuer=issuer, subject=subject, via="email"),
                linked=True,
            )

    return SignInResult(
        user=_create(
            issuer=issuer,
            subject=subject,
            profile=profile,
            language=language,
            site_url=site_url,
        ),
        created=True,
    )


@transaction.atomic
def _link(*, user: User, issuer: str, subject: str, via: str) -> User:
    """Link the identity to an existing citizen account (one per account and provider)."""
    service = settings.ADUAN_SUPERAPP_NAME
    locked = User.objects.select_for_update().get(pk=user.pk)
    if SuperAppIdentity.objects.filter(user=locked, issuer=issuer).exists():
        raise SignInRefused(OTHER_IDENTITY, service=service)
    now = clock.now()
    try:
        with transaction.atomic():
            SuperAppIdentity.objects.create(
                user=locked, issuer=issuer, subject=subject, created_at=now, last_sign_in_at=now
            )
    except IntegrityError:
        # The same identity was linked a moment ago (two sign-ins at once).
        raise SignInRefused(LINKED_ELSEWHERE, service=service) from None
    audit_log(
        actor=locked,
        action="superapp.identity_linked",
        target=locked,
        data={"issuer": issuer, "via": via},
    )
    return locked


@transaction.atomic
def _create(*, issuer: str, subject: str, profile: _Profile, language: str, site_url: str) -> User:
    """A new citizen account for the identity, with no staff role.

    Its password is random and shown to nobody: the person signs in through the Super-App, or
    sets a password of their own with "Forgot your password?" (Django sends no reset link to
    an account whose password is marked unusable, so it is not).
    """
    if language not in {code for code, _label in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    phone = profile.phone
    if phone and User.objects.filter(phone=phone).exists():
        phone = ""  # another account has it: the person can sort it out on their profile
    now = clock.now()
    user = User(
        username=derive_username(email=profile.email, phone=phone),
        first_name=profile.name,
        email=profile.email,
        email_verified_at=now if profile.email_verified else None,
        phone=phone,
        phone_verified_at=now if phone and profile.phone_verified else None,
        language=language,
    )
    user.set_password(secrets.token_urlsafe(32))
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            SuperAppIdentity.objects.create(
                user=user, issuer=issuer, subject=subject, created_at=now, last_sign_in_at=now
            )
    except IntegrityError:
        # The same person, e-mail or username was taken a moment ago.
        raise InvalidInput(_("The account could not be created. Please try again.")) from None
    audit_log(
        actor=user,
        action="superapp.account_created",
        target=user,
        data={
            "issuer": issuer,
            "email": bool(user.email),
            "email_verified": user.email_verified_at is not None,
            "phone": bool(user.phone),
        },
    )
    if user.email and user.email_verified_at is None and site_url:
        email_verification_send(user=user, site_url=site_url)
    return user


def has_other_way_in(user: User) -> bool:
    """Whether the person can still sign in once the Super-App is disconnected.

    That needs a usable password the person knows or can reset. An account the Super-App
    created has a random password nobody knows, and whether the person has set one since is
    not recorded; so such an account needs a confirmed e-mail address, where "Forgot your
    password?" sends the link (a phone number cannot reset a password). An account registered
    with a password (or created any other way with one) keeps it.
    """
    if not user.is_active or not user.has_usable_password():
        return False
    if user.email and user.email_verified_at is not None:
        return True
    created_by_superapp = AuditEvent.objects.filter(
        action="superapp.account_created",
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
    ).exists()
    return not created_by_superapp


@transaction.atomic
def superapp_disconnect(*, actor: User) -> bool:
    """Remove the link between the actor's own account and the Super-App.

    Disconnecting an account that has no link does nothing (``False``): pressing the button
    twice is not an error. Refused (``TransitionNotAllowed``) when the person would be left
    with no way to sign in (``has_other_way_in``). Audited as ``superapp.identity_unlinked``.
    """
    locked = User.objects.select_for_update().get(pk=actor.pk)
    identities = list(SuperAppIdentity.objects.filter(user=locked).order_by("pk"))
    if not identities:
        return False
    if not has_other_way_in(locked):
        raise TransitionNotAllowed(NO_OTHER_WAY_IN, service=settings.ADUAN_SUPERAPP_NAME)
    SuperAppIdentity.objects.filter(pk__in=[identity.pk for identity in identities]).delete()
    for identity in identities:
        audit_log(
            actor=locked,
            action="superapp.identity_unlinked",
            target=locked,
            data={"issuer": identity.issuer},
        )
    return True


# --- Sessions, for Back-Channel Logout ---------------------------------------------------------
# Sessions live in the database (settings.SESSION_ENGINE, aduan.superapp.sessions), so ending
# one is a row deleted in the same transaction as its record.

# Logout tokens acted on are kept this long: well past the 5 minutes (plus the allowed clock
# skew) in which oidc.validate_logout_token accepts one.
LOGOUT_TOKEN_KEPT = timedelta(hours=1)


@transaction.atomic
def superapp_session_remember(*, issuer: str, subject: str, sid: str, session_key: str) -> None:
    """Record that this site's session ``session_key`` began with a Super-App sign-in of the
    identity (``issuer``, ``subject``), in the provider's session ``sid`` ("" if it sent none).

    Signing in again in the same browser session replaces the record. The identity's records
    of sessions that have ended meanwhile (expired, or deleted without passing through here)
    are dropped, so the table holds about one row per live session.
    """
    identity = SuperAppIdentity.objects.filter(issuer=issuer, subject=subject).first()
    if identity is None or not session_key:
        return
    live = Session.objects.filter(expire_date__gt=clock.now()).values("session_key")
    identity.sessions.exclude(session_key=session_key).exclude(session_key__in=live).delete()
    SuperAppSession.objects.update_or_create(
        session_key=session_key,
        defaults={"identity": identity, "sid": sid[:255], "created_at": clock.now()},
    )


def superapp_session_rekey(old_key: str, new_key: str) -> None:
    """The session got a new key (signing in again, changing the password): its record follows."""
    SuperAppSession.objects.filter(session_key=old_key).update(session_key=new_key)


def superapp_session_forget(session_key: str | None) -> None:
    """The session ended here (signing out): nothing left for the provider to end."""
    if session_key:
        SuperAppSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def superapp_backchannel_logout(*, issuer: str, subject: str, sid: str, jti: str) -> int:
    """End this site's sessions that the provider's logout token names (OpenID Connect
    Back-Channel Logout 1.0 §2.7); the number ended.

    With ``sid``: the sessions that began in that provider session (of that person, when
    ``subject`` is given too). With ``subject`` only: every session of that person that began
    with a Super-App sign-in or connect. Sessions begun with a password and never connected are
    not touched. Naming a session that is already gone ends nothing and is not an error.

    A token (``issuer``, ``jti``) is acted on once: repeated, it ends nothing more, so a
    provider's retry is harmless and a replay cannot end a session begun after the first.
    Audited as ``superapp.signed_out_by_provider`` once per person.
    """
    now = clock.now()
    SuperAppLogoutToken.objects.filter(received_at__lt=now - LOGOUT_TOKEN_KEPT).delete()
    try:
        with transaction.atomic():
            SuperAppLogoutToken.objects.create(issuer=issuer, jti=jti, received_at=now)
    except IntegrityError:
        return 0
    records = SuperAppSession.objects.filter(identity__issuer=issuer)
    if subject:
        records = records.filter(identity__subject=subject)
    if sid:
        records = records.filter(sid=sid)
    found = list(records.select_related("identity__user").select_for_update(of=("self",)))
    if not found:
        return 0
    Session.objects.filter(session_key__in=[record.session_key for record in found]).delete()
    SuperAppSession.objects.filter(pk__in=[record.pk for record in found]).delete()
    ended: dict[int, list[SuperAppSession]] = {}
    for record in found:
        ended.setdefault(record.identity.user_id, []).append(record)
    for records_of_user in ended.values():
        audit_log(
            actor=None,
            actor_label=settings.ADUAN_SUPERAPP_NAME,
            action="superapp.signed_out_by_provider",
            target=records_of_user[0].identity.user,
            data={"issuer": issuer, "sessions": len(records_of_user), "by_sid": bool(sid)},
        )
    return len(found)
