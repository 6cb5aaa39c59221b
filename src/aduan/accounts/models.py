"""People and their roles. A staff role is a Membership: a role, held in an agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
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


class User(AbstractUser):
    """A person who signs in: a reporter with an account, or staff (through memberships)."""

    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        default="id",
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

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
