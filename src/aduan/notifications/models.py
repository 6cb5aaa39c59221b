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
    # The staff of an agency whose dispatch was taken back: they may no longer see the
    # complaint, but they were told of it and may be working on it.
    AGENCY_WITHDRAWN = "agency_withdrawn", _("Agency staff whose dispatch was taken back")
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


class DeliveryChannel(models.TextChoices):
    """How a message reaches a person."""

    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class Delivery(models.Model):
    """One outbox message to one recipient over one channel.

    The unique (outbox, recipient, channel) key makes fan-out idempotent. A worker claims a row
    by setting ``sending`` with a lease and an attempt id *before* it calls the provider; the
    provider gets ``reference`` (derived from the id) so a resend after a lost lease can be
    recognised as the same message.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")

    outbox = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("outbox message"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # "user:<id>" for an account, "guest:<complaint id>" for a guest reporter's contact.
    recipient_key = models.CharField(_("recipient"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=DeliveryChannel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, default="id")
    # The complaint the recipient knows (a follower's own report), for the link and the text.
    via_tracking_id = models.CharField(_("recipient's tracking ID"), max_length=24, blank=True)
    is_staff = models.BooleanField(_("to staff"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    attempt_id = models.CharField(_("attempt id"), max_length=32, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outbox", "recipient_key", "channel"], name="delivery_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="delivery_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.outbox.event} → {self.recipient_key} ({self.channel})"

    @property
    def reference(self) -> str:
        """The idempotency reference handed to providers: stable across retries."""
        return f"aduan-delivery-{self.pk}"


class Notification(models.Model):
    """A message shown in the app. Written in the transaction that marks its delivery sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_idx"),
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """The channels a person with an account wants to be told on (no row: the defaults)."""

    DEFAULTS = {"in_app": True, "email": True, "whatsapp": False, "sms": False}

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)
    whatsapp = models.BooleanField(_("WhatsApp"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def channels(self) -> list[str]:
        return [name for name in ("in_app", "email", "whatsapp", "sms") if getattr(self, name)]


class PeriodicRun(models.Model):
    """When a periodic job (settings ``ADUAN_PERIODIC_TASKS``) is next due.

    Workers advance ``next_run_at`` with a conditional UPDATE; only the worker whose UPDATE
    matched enqueues the job, so several workers enqueue it once per interval.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    last_task_id = models.CharField(_("last task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
