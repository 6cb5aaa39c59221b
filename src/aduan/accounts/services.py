"""Every change to an account: registration, profile, e-mail and phone verification, and
staff two-factor devices. Views and commands call these; none of them saves a User itself.

Refusals are ``aduan.core.errors.InvalidInput`` with a translated message.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.models import PhoneVerification, User
from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.core.errors import InvalidInput
from aduan.notifications.models import Audience, OutboxMessage

logger = logging.getLogger(__name__)

EMAIL_LINK_SALT = "aduan.accounts.email-verification"
EMAIL_LINK_MAX_AGE = timedelta(days=3)
RESEND_INTERVAL = timedelta(minutes=1)
PHONE_CODES_PER_DAY = 10
PHONE_CODE_EVENT = "account.phone_code"
ENROLMENT_DEVICE_NAME = "authenticator"

_USERNAME_UNSAFE = re.compile(r"[^\w.+-]")


# --- Helpers ------------------------------------------------------------------------------


def _clean_email(email: str) -> str:
    return User.objects.normalize_email((email or "").strip())


def _clean_phone(phone: str) -> str:
    from aduan.complaints.services import normalize_phone

    return normalize_phone((phone or "").strip())


def _check_contacts_free(*, email: str, phone: str, exclude: User | None = None) -> None:
    """Refuse an e-mail address or phone number that another account already uses."""
    others = User.objects.all() if exclude is None else User.objects.exclude(pk=exclude.pk)
    if email and others.filter(email__iexact=email).exists():
        raise InvalidInput(_("An account with this e-mail address already exists."))
    if phone and others.filter(phone=phone).exists():
        raise InvalidInput(_("An account with this phone number already exists."))


def derive_username(*, email: str, phone: str) -> str:
    """A free username made from the e-mail's local part, else from the phone's last digits.

    Never the whole phone number or e-mail address: a username that looks like someone else's
    contact would make signing in ambiguous.
    """
    if email:
        base = _USERNAME_UNSAFE.sub("", email.split("@", 1)[0].lower())[:30]
    else:
        base = "warga" + re.sub(r"\D", "", phone)[-4:]
    base = base.strip(".+-") or "warga"
    candidate = base
    while User.objects.filter(username__iexact=candidate).exists():
        candidate = f"{base}-{secrets.randbelow(9000) + 1000}"
    return candidate


def _site_link(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


# --- Registration and profile ---------------------------------------------------------------


@transaction.atomic
def account_register(
    *,
    name: str,
    email: str,
    phone: str,
    password: str,
    language: str,
    site_url: str,
    nik: str = "",
) -> User:
    """Create a reporter's account (no staff role) and start verifying its e-mail and phone.

    At least one of ``email`` and ``phone`` is needed; each must be free. The password must
    already have passed Django's validators (the form does that, with the user's attributes).
    An optional ``nik`` must pass the offline NIK validation; it is then checked online after
    the commit where that is configured (``aduan.identity``).
    """
    from aduan.identity.services import account_nik_apply, nik_clean

    email = _clean_email(email)
    phone = _clean_phone(phone)
    name = " ".join((name or "").split())
    nik = nik_clean(nik)
    if not email and not phone:
        raise InvalidInput(_("Give an e-mail address, a phone number, or both."))
    if not name:
        raise InvalidInput(_("Give your name."))
    _check_contacts_free(email=email, phone=phone)
    if language not in {code for code, _label in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    user = User(
        username=derive_username(email=email, phone=phone),
        first_name=name[:150],
        email=email,
        phone=phone,
        language=language,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # Someone registered the same contact (or username) a moment ago.
        _check_contacts_free(email=email, phone=phone)
        raise InvalidInput(_("The account could not be created. Please try again.")) from None
    if nik:
        user.save(update_fields=account_nik_apply(user=user, nik=nik, trigger="registration"))
    audit_log(
        actor=user,
        action="account.registered",
        target=user,
        data={"email": bool(email), "phone": bool(phone), "nik": bool(nik)},
    )
    if email:
        email_verification_send(user=user, site_url=site_url)
    if phone:
        phone_verification_start(user=user)
    return user


@dataclass(frozen=True)
class ProfileChange:
    """What ``account_update`` changed, so the page can say what to verify next."""

    changed: list[str]
    email_sent: bool
    phone_code_sent: bool


@transaction.atomic
def account_update(
    *,
    user: User,
    name: str,
    email: str,
    phone: str,
    language: str,
    site_url: str,
    nik: str | None = None,
) -> ProfileChange:
    """Change a person's name, contacts, language and (unless ``nik`` is None) NIK.

    A changed e-mail address or phone number is no longer verified; verification of the new one
    starts at once. A new NIK (or a new name beside one) is checked online after the commit
    where that is configured; an empty ``nik`` removes it.
    """
    from aduan.identity.services import account_nik_apply, nik_clean

    email = _clean_email(email)
    phone = _clean_phone(phone)
    name = " ".join((name or "").split())
    cleaned_nik = None if nik is None else nik_clean(nik)
    if not email and not phone:
        raise InvalidInput(_("Give an e-mail address, a phone number, or both."))
    if language not in {code for code, _label in settings.LANGUAGES}:
        raise InvalidInput(_("Choose one of the offered languages."))
    _check_contacts_free(email=email, phone=phone, exclude=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed: list[str] = []
    if name and name != user.get_full_name():
        user.first_name, user.last_name = name[:150], ""
        changed += ["first_name", "last_name"]
    email_changed = email.lower() != user.email.lower()
    if email != user.email:
        user.email = email
        changed.append("email")
        if email_changed:
            user.email_verified_at = None
            user.email_verification_sent_at = None
            changed += ["email_verified_at", "email_verification_sent_at"]
    phone_changed = phone != user.phone
    if phone_changed:
        user.phone = phone
        user.phone_verified_at = None
        changed += ["phone", "phone_verified_at"]
        # Codes sent to the old number must not verify the new one.
        PhoneVerification.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=clock.now()
        )
    if language != user.language:
        user.language = language
        changed.append("language")
    changed += account_nik_apply(
        user=user,
        nik=user.nik if cleaned_nik is None else cleaned_nik,
        name_changed="first_name" in changed,
    )
    if not changed:
        return ProfileChange([], email_sent=False, phone_code_sent=False)
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError:
        _check_contacts_free(email=email, phone=phone, exclude=user)
        raise InvalidInput(_("The changes could not be saved. Please try again.")) from None
    audit_log(
        actor=user,
        action="account.updated",
        target=user,
        data={"fields": sorted(set(changed))},  # which fields, never their values
    )
    email_sent = bool(email_changed and email)
    if email_sent:
        email_verification_send(user=user, site_url=site_url)
    phone_code_sent = bool(phone_changed and phone)
    if phone_code_sent:
        phone_verification_start(user=user)
    return ProfileChange(sorted(set(changed)), email_sent, phone_code_sent)


# --- E-mail verification --------------------------------------------------------------------


def email_verification_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address it was sent to."""
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=EMAIL_LINK_SALT)


def _wait_seconds(last: Any) -> int:
    """Seconds left before another message may be sent (0 when allowed)."""
    if last is None:
        return 0
    left = (last + RESEND_INTERVAL - clock.now()).total_seconds()
    return max(0, int(left + 0.999))


def email_verification_send(*, user: User, site_url: str) -> None:
    """Send the verification link to the account's e-mail address, at most once a minute.

    The mail goes out when the transaction commits, in the account's language.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.email:
            raise InvalidInput(_("There is no e-mail address on this account."))
        if locked.email_verified_at is not None:
            raise InvalidInput(_("This e-mail address is already verified."))
        wait = _wait_seconds(locked.email_verification_sent_at)
        if wait:
            raise InvalidInput(
                _("Please wait %(seconds)d seconds before asking for another message."),
                seconds=wait,
            )
        locked.email_verification_sent_at = clock.now()
        locked.save(update_fields=["email_verification_sent_at"])
        user.email_verification_sent_at = locked.email_verification_sent_at
        link = _site_link(
            site_url,
            reverse("accounts:verify_email", kwargs={"token": email_verification_token(locked)}),
        )
        context = {
            "user": locked,
            "link": link,
            "days": EMAIL_LINK_MAX_AGE.days,
            "instansi_name": settings.ADUAN_INSTANSI_NAME,
        }
        with translation.override(locked.language or settings.LANGUAGE_CODE):
            subject = gettext("Confirm your e-mail address")
            body = render_to_string("accounts/email/verify_email.txt", context)
        recipient = locked.email
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        )


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the e-mail address named by a verification link as verified.

    Refused when the link was tampered with, is older than three days, or names an address
    the account no longer has. Following a good link twice is harmless.
    """
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("This link has expired. Sign in and ask for a new one on your account page.")
        ) from None
    except signing.BadSignature:
        raise InvalidInput(_("This link is not valid. Check that you copied all of it.")) from None
    user = User.objects.select_for_update().filter(pk=data.get("user")).first()
    if user is None or user.email.lower() != str(data.get("email", "")).lower():
        raise InvalidInput(
            _("This link is for an e-mail address that is no longer on the account.")
        )
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        user.save(update_fields=["email_verified_at"])
        audit_log(actor=user, action="account.email_verified", target=user)
    return user


# --- Phone verification ---------------------------------------------------------------------


def _code_hash(verification_user_id: int, phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not give the codes away by a simple lookup.
    return salted_hmac(
        "aduan.accounts.phone-code", f"{verification_user_id}:{phone}:{code}"
    ).hexdigest()


@transaction.atomic
def phone_verification_start(*, user: User) -> PhoneVerification:
    """Send a new six-digit code by SMS to the account's phone (through the outbox).

    At most one code a minute and ``PHONE_CODES_PER_DAY`` a day; a new code voids earlier ones.
    The outbox payload carries the phone number and the message with the code: the SMS worker
    must send exactly that text to exactly the number being verified.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.phone:
        raise InvalidInput(_("There is no phone number on this account."))
    if locked.phone_verified_at is not None:
        raise InvalidInput(_("This phone number is already verified."))
    now = clock.now()
    recent = PhoneVerification.objects.filter(user=locked, created_at__gt=now - timedelta(days=1))
    last = recent.order_by("-created_at").first()
    wait = _wait_seconds(last.created_at if last else None)
    if wait:
        raise InvalidInput(
            _("Please wait %(seconds)d seconds before asking for another code."), seconds=wait
        )
    if recent.count() >= PHONE_CODES_PER_DAY:
        raise InvalidInput(_("Too many codes were sent today. Please try again tomorrow."))
    recent.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = PhoneVerification.objects.create(
        user=locked,
        phone=locked.phone,
        code_hash=_code_hash(locked.pk, locked.phone, code),
        created_at=now,
        expires_at=now + timedelta(minutes=PhoneVerification.CODE_VALID_MINUTES),
    )
    with translation.override(locked.language or settings.LANGUAGE_CODE):
        text = gettext(
            "%(code)s is your %(service)s verification code. It is valid for %(minutes)d "
            "minutes. Never share it with anyone."
        ) % {
            "code": code,
            "service": gettext("Aduan"),
            "minutes": PhoneVerification.CODE_VALID_MINUTES,
        }
    OutboxMessage.objects.create(
        created_at=now,
        event=PHONE_CODE_EVENT,
        complaint=None,
        audience=Audience.REPORTER,
        user=locked,
        payload={"channel": "sms", "phone": locked.phone, "text": text},
        dedupe_key=f"{PHONE_CODE_EVENT}:{verification.pk}",
        available_at=now,
    )
    audit_log(actor=locked, action="account.phone_code_sent", target=locked)
    if settings.DEBUG:
        logger.info("Phone verification code for %s: %s", locked.get_username(), code)
    return verification


def phone_verify(*, user: User, code: str) -> None:
    """Check a code typed by the person; mark the phone verified when it matches.

    Wrong guesses are counted even though the call then raises (they are saved in their own
    transaction); after ``MAX_ATTEMPTS`` the code is void and a new one must be requested.
    """
    code = re.sub(r"\s", "", code or "")
    error: InvalidInput | None = None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.phone_verified_at is not None:
            return
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=locked, phone=locked.phone, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = clock.now()
        if verification is None:
            error = InvalidInput(_("There is no code waiting. Ask for a new code."))
        elif verification.expires_at <= now:
            error = InvalidInput(_("This code has expired. Ask for a new code."))
        elif verification.attempts >= PhoneVerification.MAX_ATTEMPTS:
            error = InvalidInput(_("Too many wrong codes. Ask for a new code."))
        elif not constant_time_compare(
            verification.code_hash, _code_hash(locked.pk, verification.phone, code)
        ):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            left = PhoneVerification.MAX_ATTEMPTS - verification.attempts
            if left:
                error = InvalidInput(
                    _("That code is not right. You have %(left)d more tries."), left=left
                )
            else:
                error = InvalidInput(_("That code is not right. Ask for a new code."))
        else:
            verification.used_at = now
            verification.save(update_fields=["used_at"])
            locked.phone_verified_at = now
            locked.save(update_fields=["phone_verified_at"])
            user.phone_verified_at = now
            audit_log(actor=locked, action="account.phone_verified", target=locked)
    if error is not None:
        raise error


# --- Staff two-factor (TOTP) ----------------------------------------------------------------


def two_factor_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up, created once so the QR code stays the same while
    the person scans it and types a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "-id"
    ).first() or TOTPDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)
    return device


def two_factor_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a device being set up with a code from the app; false when the code is wrong.

    A wrong code counts towards django-otp's throttle on the device.
    """
    if device.user_id != user.pk or device.confirmed:
        raise InvalidInput(_("This authenticator is not being set up."))
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_log(actor=user, action="account.two_factor_enrolled", target=user)
    return True


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User, actor_label: str = "") -> int:
    """Remove all of the user's authenticator devices, so they set one up at the next sign-in.

    For a lost phone (by an administrator, ``aduan otp reset``) or to move to a new one.
    Returns how many devices were removed.
    """
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    audit_log(
        actor=actor,
        action="account.two_factor_reset",
        target=user,
        data={"devices": removed},
        actor_label=actor_label,
    )
    return removed


def account_set_language(*, user: User, language: str) -> None:
    """Remember the interface language the person chose (one of ``settings.LANGUAGES``)."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
