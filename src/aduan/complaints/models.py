"""Complaints and everything that hangs off one: dispatches, clocks, follow-ups, notes, replies,
instructions, attachments, supporters and followers.

Only ``aduan.complaints.services`` writes these rows (see STYLE.md "one place per rule").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ASPIRATION = "aspiration", _("Aspiration")
    INFORMATION_REQUEST = "information_request", _("Information request")


class Status(models.TextChoices):
    """Lifecycle states (DESIGN §3). The labels are what users see; codes never are."""

    SUBMITTED = "submitted", _("Not yet verified")
    ON_HOLD = "on_hold", _("On hold")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Awaiting reporter response")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")
    TRANSFERRED = "transferred", _("Transferred")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.ON_HOLD,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
)
PUBLIC_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
# What the public list shows; the partial indexes below serve exactly this filter.
# Reports about officials' misconduct go to the Inspectorate only, never to the public.
PUBLIC_LIST = models.Q(status__in=PUBLIC_STATUSES, is_confidential=False, is_supervisory=False)


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    SUPERAPP = "superapp", _("Super-App")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LAPOR = "lapor", _("National SP4N-LAPOR!")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    COUNTER = "counter", _("Service counter")


class ArchiveReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate of another complaint")
    INCOMPLETE = "incomplete", _("Incomplete and not completed by the reporter")
    NOT_A_COMPLAINT = "not_a_complaint", _("Not a complaint")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the scope of public services")
    ABUSIVE = "abusive", _("Abusive or spam")
    OTHER = "other", _("Other")


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    """Carries the viewer of a redacting queryset (see ``selectors``) through clones."""

    identity_viewer: Any

    def _clone(self) -> ComplaintQuerySet:
        clone: ComplaintQuerySet = super()._clone()  # type: ignore[misc]
        if hasattr(self, "identity_viewer"):
            clone.identity_viewer = self.identity_viewer
        return clone


class Complaint(models.Model):
    """A report from a citizen (laporan): a complaint, an aspiration or an information request.

    ``tracking_id`` is public and readable aloud; a guest proves ownership with a secret whose
    hash alone is stored. Deadlines live on :class:`Clock`, never recomputed on read.
    """

    tracking_id = models.CharField(_("tracking ID"), max_length=24, unique=True)
    guest_secret_hash = models.CharField(_("guest secret hash"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.COMPLAINT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    event_date = models.DateField(_("date of the event"), null=True, blank=True)
    region = models.ForeignKey(
        "agencies.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    address_text = models.CharField(_("address"), max_length=300, blank=True)
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    # Answers to the category's extra questions (``agencies.CategoryField``), by code; checked
    # by ``services.complaint_submit``.
    attributes = models.JSONField(_("answers to extra questions"), default=dict, blank=True)

    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    is_supervisory = models.BooleanField(_("about misconduct of officials"), default=False)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_complaints",
    )
    archive_reason = models.CharField(
        _("archive reason"), max_length=20, choices=ArchiveReason.choices, blank=True
    )
    archive_note = models.TextField(_("archive note"), blank=True)
    transfer_target = models.CharField(_("transferred to"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_duplicates",
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    first_followup_at = models.DateTimeField(_("first follow-up at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reopen_until = models.DateTimeField(_("may be reopened until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    objects = ComplaintQuerySet.as_manager()
    # Set on instances whose identity fields a selector blanked (they refuse to be saved).
    identity_redacted = False

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="complaint_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="complaint_rating_1_to_5",
            ),
        ]
        # Partial indexes for keyset-paged lists at any depth (migration 0005 explains each).
        indexes = [
            models.Index(
                fields=["submitted_at", "id"],
                condition=PUBLIC_LIST,
                name="complaint_public_recent_idx",
            ),
            models.Index(
                fields=["support_count", "id"],
                condition=PUBLIC_LIST,
                name="complaint_public_support_idx",
            ),
            models.Index(
                fields=["lead_agency", "submitted_at", "id"],
                condition=PUBLIC_LIST,
                name="complaint_public_agency_idx",
            ),
            models.Index(
                fields=["category", "submitted_at", "id"],
                condition=PUBLIC_LIST,
                name="complaint_public_category_idx",
            ),
            models.Index(
                fields=["region", "submitted_at", "id"],
                condition=PUBLIC_LIST,
                name="complaint_public_region_idx",
            ),
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status__in=(Status.SUBMITTED, Status.ON_HOLD)),
                name="complaint_unverified_idx",
            ),
            # The candidate pool of duplicate detection (``duplicates.detection.pool_for``) reads
            # by region and time, and by category and time (created by duplicates 0002, renamed
            # into the model by complaints 0010).
            models.Index(fields=["region", "submitted_at"], name="complaint_region_time_idx"),
            models.Index(fields=["category", "submitted_at"], name="complaint_category_time_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.identity_redacted:
            raise RuntimeError("a complaint with a redacted identity cannot be saved")
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        """Whether the public may see the report (never the reporter's identity)."""
        return (
            not self.is_confidential and not self.is_supervisory and self.status in PUBLIC_STATUSES
        )


class Dispatch(models.Model):
    """One hop of a disposisi: a complaint sent to an agency as lead or supporting agency."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        SUPPORT = "support", _("Supporting")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")

    # Hops still being worked on: the agency inbox, and what its officers may act on.
    ACTIVE_STATES = (State.PENDING, State.ACCEPTED)
    # Hops whose agency may see the complaint: the active ones, and those that ended with the
    # complaint closing (the agency keeps its history, but the complaint leaves its inbox).
    VISIBLE_STATES = (*ACTIVE_STATES, State.COMPLETED)

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="dispatches"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("dispatched at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["dispatched_at", "id"]
        indexes = [
            models.Index(fields=["agency", "state"], name="dispatch_agency_state_idx"),
            models.Index(
                fields=["agency", "dispatched_at", "id"],
                condition=models.Q(state__in=("pending", "accepted")),
                name="dispatch_inbox_idx",
            ),
            models.Index(
                fields=["dispatched_at", "id"],
                condition=models.Q(state__in=("pending", "accepted")),
                name="dispatch_inbox_time_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} → {self.agency} ({self.role})"


class Clock(models.Model):
    """A legal deadline, stored when it starts (DESIGN §3 table).

    A paused clock remembers how much time was left; on resume the deadline becomes "now plus
    what was left", but never earlier than before: deadlines do not move backwards.
    """

    class Kind(models.TextChoices):
        VERIFY = "verify", _("Verify and dispatch")
        FIRST_FOLLOWUP = "first_followup", _("First follow-up")
        FOLLOWUP = "followup", _("Follow-up after reopening")
        RESOLUTION = "resolution", _("Resolution")
        AUTO_CLOSE = "auto_close", _("Reporter response")
        HOLD = "hold", _("Completion by the reporter")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        DAYS = "days", _("days")

    # Deadlines that officers owe and can breach; the reporter's windows (auto-close, hold)
    # simply expire.
    STAFF_KINDS = (Kind.VERIFY, Kind.FIRST_FOLLOWUP, Kind.FOLLOWUP, Kind.RESOLUTION)

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="clocks"
    )
    dispatch = models.ForeignKey(
        Dispatch,
        verbose_name=_("dispatch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clocks",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=14, choices=Unit.choices)
    length = models.PositiveSmallIntegerField(_("length"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    remaining = models.PositiveSmallIntegerField(_("remaining when paused"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # Reminder and escalation (docs/operations.md, "Reminders and escalation"): each is written
    # once by a conditional UPDATE, so concurrent sweeps never send one twice.
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"),
        default=0,
        help_text=_("0: not escalated; 1: liaison officers; 2: coordinators; 3: leadership."),
    )
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["state", "kind", "due_at"], name="clock_state_kind_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.due_at:%Y-%m-%d}"

    @property
    def met(self) -> bool | None:
        """True/False once stopped (was it stopped by its deadline?), None while running."""
        if self.stopped_at is None:
            return None
        return self.stopped_at <= self.due_at


class FollowUp(models.Model):
    """An agency's answer (tindak lanjut): drafted by an operator, published after approval."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        RETURNED = "returned", _("Returned for revision")
        PUBLISHED = "published", _("Published")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="followups"
    )
    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="followups"
    )
    body = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.TextField(_("review note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The canned response the officer chose on the follow-up form to start the text from.
    response_template = models.ForeignKey(
        "knowledge.ResponseTemplate",
        verbose_name=_("canned response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint} follow-up #{self.pk}"

    @property
    def left_unpublished(self) -> bool:
        """Written on a dispatch that ended (declined, withdrawn, completed) before it was
        published: nobody can submit, approve or return it any more; it stays as a record."""
        return (
            self.state != self.State.PUBLISHED and self.dispatch.state not in Dispatch.ACTIVE_STATES
        )


class _StaffText(models.Model):
    """A text an officer writes on a complaint (shared shape of notes and instructions)."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="%(class)ss",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint} {self._meta.model_name} #{self.pk}"


class Note(_StaffText):
    """An internal note between staff. Never shown to the reporter or the public."""

    class Meta(_StaffText.Meta):
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")


class Instruction(_StaffText):
    """A leader's instruction (arahan) on a complaint."""

    class Meta(_StaffText.Meta):
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")


class ReporterReply(models.Model):
    """A message from the reporter (also the completion of a held complaint, or a reopen reason)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("reporter reply")
        verbose_name_plural = _("reporter replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint} reply #{self.pk}"


class Attachment(models.Model):
    """A file on a complaint. The type is sniffed from the content, never trusted from the name."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="attachments"
    )
    followup = models.ForeignKey(
        FollowUp,
        verbose_name=_("follow-up"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_internal = models.BooleanField(_("internal"), default=False)
    from_reporter = models.BooleanField(_("from the reporter"), default=False)
    # Staff only: a reporter's upload is marked ``from_reporter`` and names no account, so the
    # file list cannot reveal who reported.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Support(models.Model):
    """A citizen's "dukung" on a public complaint; one per person (account or guest key)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    supporter_key = models.CharField(_("supporter key"), max_length=64)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "supporter_key"], name="support_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} +1"


class Follower(models.Model):
    """Someone told about a complaint's progress besides its reporter (e.g. after a merge)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="followers"
    )
    source = models.ForeignKey(
        Complaint,
        verbose_name=_("because of complaint"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "source"], name="follower_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} follows {self.complaint}"
