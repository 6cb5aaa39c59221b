"""Which Super-App account (an OpenID Connect issuer and subject) belongs to which citizen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SuperAppIdentity(models.Model):
    """A citizen's account at the Super-App's OpenID Connect provider, linked to their Aduan
    account. The subject is the provider's stable id of the person (never the e-mail address,
    which can change); one link per account and provider.

    Written only by ``aduan.superapp.services``; staff accounts never have one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="superapp_identities",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("linked at"))
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("Super-App identity")
        verbose_name_plural = _("Super-App identities")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="superapp_identity_unique_subject"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="superapp_identity_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.issuer}"
