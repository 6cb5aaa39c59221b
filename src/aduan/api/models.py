"""API clients: the programs (the provincial Super-App, Open311 apps) that call the APIs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """One calling program with one key. Only a hash of the key is stored; ``key_prefix`` finds
    the row without scanning, and revoking keeps the row so past audit events still name it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class UserToken(models.Model):
    """A person's sign-in for the API, obtained through one client. Only a hash is stored; the raw
    token (``adt_<prefix>_<secret>``) is shown once. Revoking keeps the row for the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="tokens"
    )
    key_prefix = models.CharField(_("token prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("token hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # Staff tokens need a TOTP code at sign-in; a token issued without one stops working when
    # its user becomes staff (a role given later must not skip the second factor).
    verified_with_otp = models.BooleanField(_("signed in with a TOTP code"), default=False)

    class Meta:
        verbose_name = _("user token")
        verbose_name_plural = _("user tokens")

    def __str__(self) -> str:
        return f"{self.key_prefix} ({self.user_id})"


class ApiSubmission(models.Model):
    """Which client submitted which complaint, so its webhooks can follow "its complaints"."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="api_submission",
    )
    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("API submission")
        verbose_name_plural = _("API submissions")

    def __str__(self) -> str:
        return f"{self.client_id}:{self.complaint_id}"


class IdempotencyRecord(models.Model):
    """The first successful answer to a POST with an ``Idempotency-Key``, replayed on a retry.

    Written in the transaction of the work itself: a concurrent duplicate waits on the unique
    index and then finds the stored answer. Valid for 24 hours (``ADUAN_API_IDEMPOTENCY_HOURS``).
    """

    client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(_("scope"), max_length=40)
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "scope", "key"], name="api_idempotency_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.scope}/{self.key}"


class WebhookSubscription(models.Model):
    """A client's callback URL for status changes of the complaints it submitted.

    ``cursor`` is the last audit event (``AuditEvent.seq``) already turned into deliveries; the
    secret signs each callback (HMAC-SHA256) and is shown to the client once.
    """

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100)
    cursor = models.BigIntegerField(_("last audit event handled"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One callback: one per (subscription, audit event), retried with backoff until delivered
    or dead."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead")

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    audit_event = models.ForeignKey(
        "core.AuditEvent", verbose_name=_("audit event"), on_delete=models.PROTECT, related_name="+"
    )
    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "audit_event"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.event_id
