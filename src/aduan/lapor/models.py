"""The national SP4N-LAPOR! connector's state: which complaint is which national report, the
outbox of messages to the national system, the inbound cursor and the log of sync runs.

Written only by ``aduan.lapor`` (the outbox receiver, ``sync``, ``reconcile`` and ``services``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    NATIONAL = "national", _("Disposition from SP4N-LAPOR!")
    LOCAL = "local", _("Registered by this instansi")


class NationalLink(models.Model):
    """A complaint and its report in SP4N-LAPOR!.

    ``national_version`` is the version of the last national snapshot applied here: an older or
    equal one arriving later (a redelivery, an out-of-order update) is ignored, and nothing is
    lost by that because every snapshot carries the whole report. ``status_sent`` is our status
    as last put in the outbox (or taken from national), so only real changes are sent.
    A national report that could not be taken in has no complaint yet: its ``snapshot`` and
    ``problem`` stay for an administrator (the retry button applies the snapshot again).
    ``problem`` is kept as source text and values (``aduan.core.problems``), shown in the
    reader's language.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="national_link",
    )
    national_id = models.CharField(_("national tracking ID"), max_length=64, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    national_status = models.CharField(_("last known national status"), max_length=64, blank=True)
    national_version = models.BigIntegerField(_("last applied national version"), default=0)
    status_sent = models.CharField(_("status last sent"), max_length=16, blank=True)
    snapshot = models.JSONField(_("national report not yet taken in"), default=dict, blank=True)
    problem = models.JSONField(_("problem"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("national link")
        verbose_name_plural = _("national links")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~models.Q(national_id=""),
                name="lapor_link_unique_national_id",
            )
        ]

    def __str__(self) -> str:
        return self.national_id or f"link #{self.pk}"


class OutboundMessage(models.Model):
    """One message to SP4N-LAPOR!, written in the transaction of the local change.

    Sent in ``id`` order per link by ``sync`` (a message waits while an earlier one of the same
    complaint is pending or parked), with ``idempotency_key`` as the ``Idempotency-Key`` header so
    that a resend after a lost answer changes nothing nationally. Retried with exponential
    backoff; a permanent refusal or too many attempts parks it for an administrator, with why
    in ``problem`` (source text and values, ``aduan.core.problems``, shown in the reader's
    language) and the technical error (the national answer) in ``last_error``.
    """

    class Kind(models.TextChoices):
        REGISTER = "register", _("Register the complaint")
        FOLLOWUP = "followup", _("Follow-up")
        STATUS = "status", _("Status change")
        ATTACHMENT = "attachment", _("Attachment")
        TRANSFER = "transfer", _("Transfer to another instansi")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        PARKED = "parked", _("Parked for an administrator")
        DISCARDED = "discarded", _("Discarded")

    link = models.ForeignKey(
        NationalLink,
        verbose_name=_("national link"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # Random, drawn when the message is written: part of the key SP4N-LAPOR! sees
    # (``national_key``), so that a database restored from a backup, which reuses row ids and so
    # the local keys, does not send a new message under a key SP4N-LAPOR! already answered.
    # Empty for messages written before it existed (their key stays as it was sent).
    nonce = models.CharField(_("nonce"), max_length=32, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    problem = models.JSONField(_("why it is parked"), default=dict, blank=True)
    last_http_status = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    response = models.JSONField(_("national answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message to SP4N-LAPOR!")
        verbose_name_plural = _("messages to SP4N-LAPOR!")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="lapor_message_due_idx"),
            models.Index(fields=["link", "state", "id"], name="lapor_message_link_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"

    @property
    def national_key(self) -> str:
        """The ``Idempotency-Key`` sent: the same on every attempt of this message, and new for
        every message, also after a restore."""
        return f"{self.idempotency_key}:{self.nonce}" if self.nonce else self.idempotency_key


class SyncState(models.Model):
    """The single row holding the inbound cursor (the national feed's high-water mark) and the
    lease that lets one sync or reconcile run at a time."""

    cursor = models.CharField(_("inbound cursor"), max_length=200, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    paused_until = models.DateTimeField(
        _("sending paused until"),
        null=True,
        blank=True,
        help_text=_("Set when SP4N-LAPOR! asks us to slow down (HTTP 429)."),
    )
    last_sync_at = models.DateTimeField(_("last sync at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful sync at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The same as a stored text (aduan.core.problems), shown in the reader's language.
    last_problem = models.JSONField(_("last error, explained"), default=dict, blank=True)
    # When the sync last asked for the national directory of instansi (``lapor.directory``),
    # whether or not it was read: a failing directory is tried again a day later, not each run.
    directory_requested_at = models.DateTimeField(
        _("instansi directory requested at"), null=True, blank=True
    )
    directory_read_at = models.DateTimeField(_("instansi directory read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync state")
        verbose_name_plural = _("sync state")

    def __str__(self) -> str:
        return f"cursor {self.cursor or '-'}"


class SyncRun(models.Model):
    """One run of ``aduan lapor sync`` or ``aduan lapor reconcile``, with its counts."""

    class Kind(models.TextChoices):
        SYNC = "sync", _("Sync")
        RECONCILE = "reconcile", _("Reconcile")
        REPAIR = "repair", _("Reconcile and repair")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    differences = models.JSONField(_("differences"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_problem = models.JSONField(_("error, explained"), default=dict, blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class NationalItem(models.Model):
    """A reporter's action on SP4N-LAPOR! (a reply, a reopen request, a rating) taken in once,
    whatever the number of snapshots that carry it."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reporter reply")
        REOPEN = "reopen", _("Reopen request")
        RATING = "rating", _("Rating")

    link = models.ForeignKey(
        NationalLink,
        verbose_name=_("national link"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    item_id = models.CharField(_("national item ID"), max_length=100)
    applied = models.BooleanField(_("applied"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("taken in at"))

    class Meta:
        verbose_name = _("national reporter action")
        verbose_name_plural = _("national reporter actions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "kind", "item_id"], name="lapor_item_once_per_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.kind} {self.item_id}"


class NationalFile(models.Model):
    """A file the reporter gave SP4N-LAPOR! with a report received here: listed when a snapshot
    names it, downloaded by the next sync (outside any transaction) and attached to the
    complaint once, as the reporter's. A file refused (type, size, checksum, a complaint that no
    longer takes files) keeps why, and is not tried again unless a system administrator asks
    (``services.national_file_retry``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be downloaded")
        TAKEN = "taken", _("Attached")
        REFUSED = "refused", _("Refused")

    link = models.ForeignKey(
        NationalLink,
        verbose_name=_("national link"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    reference = models.CharField(_("national file ID"), max_length=100)
    name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attachment = models.ForeignKey(
        "complaints.Attachment",
        verbose_name=_("attachment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Downloads that failed for a reason that may pass (5xx, timeout); refused after a few.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Why it was refused: a stored text (aduan.core.problems).
    problem = models.JSONField(_("problem"), default=dict, blank=True)
    created_at = models.DateTimeField(_("listed at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("national file")
        verbose_name_plural = _("national files")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["link", "reference"], name="lapor_file_once_per_link")
        ]
        indexes = [
            models.Index(fields=["state", "attempts", "id"], name="lapor_file_state_idx"),
            # /staf/lapor/: the refused files, latest first.
            models.Index(fields=["state", "-updated_at", "-id"], name="lapor_file_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.reference}"


class NationalInstansi(models.Model):
    """An instansi in SP4N-LAPOR!'s directory (ministries, provinces, regencies and cities,
    state companies): where a complaint that is not ours can be transferred. Read in whole by
    the sync once a day (``lapor.directory``); an instansi the directory no longer lists stays,
    inactive, so that earlier transfers keep their name."""

    national_id = models.CharField(_("national instansi ID"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("national instansi")
        verbose_name_plural = _("national instansi")
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "name"], name="lapor_instansi_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.national_id})"
