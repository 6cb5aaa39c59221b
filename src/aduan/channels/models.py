"""State of the message channels: inbound messages (for exactly-once processing) and the
conversations that collect a report step by step."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Channel


class InboundMessage(models.Model):
    """One message received on a channel, stored before the webhook answers.

    The provider's message id is unique per channel, so a redelivered webhook stores nothing
    twice; ``processed_at`` and ``replied_at`` make processing and the reply happen once even
    when a worker retries.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    provider_id = models.CharField(_("provider message ID"), max_length=255)
    address = models.CharField(_("sender address"), max_length=254)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    replies = models.JSONField(_("replies"), default=list, blank=True)
    replies_sent = models.PositiveSmallIntegerField(_("replies sent"), default=0)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply_attempts = models.PositiveSmallIntegerField(_("reply attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"], name="inbound_message_unique_provider_id"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True) | models.Q(replied_at__isnull=True),
                name="inbound_message_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_id}"


class Conversation(models.Model):
    """Where one sender stands in the step-by-step report (see ``channels.conversation``).

    One row per channel and address; it is deleted when the report is submitted or
    cancelled, and starts over when idle longer than ``ADUAN_CONVERSATION_IDLE_HOURS``.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    step = models.CharField(_("step"), max_length=20)
    data = models.JSONField(_("collected data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), db_index=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="conversation_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.step})"
