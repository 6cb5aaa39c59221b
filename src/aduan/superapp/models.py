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


class SuperAppSession(models.Model):
    """A session on this site that began with a Super-App sign-in (or a connect from the
    profile page): what OpenID Connect Back-Channel Logout needs to end it when the person signs
    out at the provider. The provider names the session by ``sid`` (the ID token's claim), the
    person by the identity's subject.

    Written only by ``aduan.superapp.services``; forgotten when the person signs out here, when
    the provider ends the session, and with the identity (disconnecting).
    """

    identity = models.ForeignKey(
        SuperAppIdentity,
        verbose_name=_("Super-App identity"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    # The provider's session id (the ID token's "sid"); "" when the provider sends none.
    sid = models.CharField(_("provider session"), max_length=255, blank=True)
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"))

    class Meta:
        verbose_name = _("Super-App session")
        verbose_name_plural = _("Super-App sessions")
        indexes = [models.Index(fields=["identity", "sid"], name="superapp_session_sid_idx")]

    def __str__(self) -> str:
        return f"{self.identity} · {self.created_at:%Y-%m-%d %H:%M}"


class SuperAppLogoutToken(models.Model):
    """A logout token acted on (its issuer and ``jti``), kept while it could still be accepted:
    the unique pair makes a retried or replayed token end nothing more, in the same transaction
    as the sign-out. Written only by ``aduan.superapp.services``."""

    issuer = models.CharField(_("issuer"), max_length=255)
    jti = models.CharField(_("token id"), max_length=255)
    received_at = models.DateTimeField(_("received at"), db_index=True)

    class Meta:
        verbose_name = _("Super-App logout token")
        verbose_name_plural = _("Super-App logout tokens")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "jti"], name="superapp_logout_token_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} · {self.jti}"
