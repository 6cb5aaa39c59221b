"""People and their roles. A staff role is a Membership: a role, held in an agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles (DESIGN §4). Reporters need no membership."""

    COORDINATOR = "coordinator", _("Coordinator")
    OPERATOR = "operator", _("Agency operator")
    LIAISON = "liaison", _("Liaison officer")
    LEADERSHIP = "leadership", _("Leadership")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    MONITOR = "monitor", _("Monitor")
    ADMIN = "admin", _("System administrator")


# Roles held in one agency (and its sub-units); the others act for the whole instansi.
AGENCY_ROLES = (Role.OPERATOR, Role.LIAISON, Role.INSPECTORATE)


class NikStatus(models.TextChoices):
    """How far a citizen's NIK is checked (``aduan.identity``). Empty: no NIK on the account."""

    NONE = "", _("no NIK")
    # Valid by its structure (format, region codes, birth date); no online check configured.
    OFFLINE = "offline", _("checked offline")
    PENDING = "pending", _("waiting for Dukcapil")
    VERIFIED = "verified", _("verified by Dukcapil")
    MISMATCH = "mismatch", _("not matched by Dukcapil")
    UNAVAILABLE = "unavailable", _("Dukcapil could not be reached")


class User(AbstractUser):
    """A person who signs in: a reporter with an account, or staff (through memberships)."""

    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        default="id",
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
    )
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # When the last verification link was sent, so "send again" can be limited to once a minute.
    email_verification_sent_at = models.DateTimeField(
        _("verification e-mail sent at"), null=True, blank=True
    )
    # Personal data: shown only to the person and to coordinators, never in public pages, open
    # data, audit data or logs (docs/identity.md). Sixteen digits, or empty.
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    nik_status = models.CharField(
        _("NIK status"), max_length=12, choices=NikStatus.choices, blank=True, default=""
    )
    nik_status_at = models.DateTimeField(_("NIK status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per e-mail address (in any letter case) and per phone number, so
            # signing in with either finds exactly one account. Empty means "none given".
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_unique_email_ci",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=~models.Q(phone=""),
                name="user_unique_phone",
                violation_error_message=_("An account with this phone number already exists."),
            ),
            # A NIK always has a status, and a status always names a NIK.
            models.CheckConstraint(
                condition=(
                    (models.Q(nik="") & models.Q(nik_status=""))
                    | (~models.Q(nik="") & ~models.Q(nik_status=""))
                ),
                name="user_nik_has_status",
            ),
        ]

    def display_name(self) -> str:
        return self.get_full_name() or self.get_username()


class Membership(models.Model):
    """A staff role held by a user, in an agency where the role is tied to one.

    Coordinator, leadership, monitor and admin act for the whole instansi (agency may be empty);
    operator, liaison officer and inspectorate act for their agency and its sub-units.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "agency"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=AGENCY_ROLES, agency__isnull=False)
                    | (~models.Q(role__in=AGENCY_ROLES) & models.Q(agency__isnull=True))
                ),
                name="membership_agency_matches_role",
                violation_error_message=_(
                    "Operators, liaison officers and the Inspectorate need an agency; "
                    "coordinators, leadership, monitors and administrators act for the whole "
                    "instansi and have none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency or '-'}"


class PhoneVerification(models.Model):
    """A six-digit code sent by SMS to prove a phone number belongs to the account.

    Only a keyed hash of the code is stored. A code is good for ``CODE_VALID_MINUTES`` and
    ``MAX_ATTEMPTS`` guesses; a new code replaces every earlier one.
    """

    CODE_VALID_MINUTES = 10
    MAX_ATTEMPTS = 5

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="phone_verifications",
    )
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        indexes = [models.Index(fields=["user", "-created_at"], name="phone_verif_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
