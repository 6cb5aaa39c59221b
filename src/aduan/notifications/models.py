"""The notification outbox: rows written in the same transaction as the change they announce.

Delivery (e-mail, WhatsApp, SMS, in-app) is a worker's job; a row that exists was committed
together with its change, so nothing is announced that did not happen and nothing that happened
goes unannounced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who a message is for; the worker resolves it to addresses at delivery time."""

    REPORTER = "reporter", _("Reporter")
    FOLLOWERS = "followers", _("Followers")
    COORDINATORS = "coordinators", _("Coordinators")
    AGENCY = "agency", _("Agency staff")
    AGENCY_LIAISON = "agency_liaison", _("Agency liaison officers")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    LEADERSHIP = "leadership", _("Leadership")


class OutboxMessage(models.Model):
    """One thing that someone should be told. ``dedupe_key`` makes writing it idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created at"))
    event = models.CharField(_("event"), max_length=80)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("available at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.audience}"
