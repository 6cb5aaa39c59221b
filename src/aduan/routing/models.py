"""Routing suggestions: trained model versions, the administrator's settings, and the suggestion
stored for each complaint.

Model files live on disk under ``settings.ADUAN_ROUTING_DIR`` (one joblib file per version, see
``aduan.routing.engine``), not in the database: a model is several megabytes to hundreds of
megabytes of vocabulary and weights that would bloat every database backup and every query that
touches the row, and the same file format is what ``aduan routing train`` writes. The row keeps
the file's SHA-256, so a file changed behind the database's back is refused on load.

Only ``aduan.routing.services`` writes these rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingModel(models.Model):
    """One trained version of the routing model, with its figures on held-out complaints.

    ``heldout_scores`` keeps, per held-out complaint, the top confidence and whether the top
    suggestion was right, so the threshold for another target precision is recomputed without
    retraining. At most one row is active (a partial unique constraint).
    """

    class Source(models.TextChoices):
        DATABASE = "database", _("Trained from past dispatches")
        UPLOAD = "upload", _("Uploaded file (trained from a CSV)")

    class LabelKind(models.TextChoices):
        AGENCY_ID = "id", _("Agency ids")
        AGENCY_NAME = "name", _("Agency codes or names")

    file_name = models.CharField(_("file name"), max_length=200, unique=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    size = models.PositiveBigIntegerField(_("file size in bytes"), default=0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    label_kind = models.CharField(
        _("labels are"), max_length=4, choices=LabelKind.choices, default=LabelKind.AGENCY_ID
    )
    trained_at = models.DateTimeField(_("trained at"))
    n_examples = models.PositiveIntegerField(_("training examples"), default=0)
    n_labels = models.PositiveIntegerField(_("agencies learned"), default=0)
    n_heldout = models.PositiveIntegerField(_("held-out complaints"), default=0)
    accuracy = models.FloatField(_("top-1 accuracy"), null=True, blank=True)
    top3_accuracy = models.FloatField(_("top-3 accuracy"), null=True, blank=True)
    macro_f1 = models.FloatField(_("macro-F1"), null=True, blank=True)
    heldout_scores = models.JSONField(
        _("held-out confidences"),
        default=list,
        blank=True,
        help_text=_("Per held-out complaint: [top confidence, 1 if the top agency was right]."),
    )
    compared_with = models.ForeignKey(
        "self",
        verbose_name=_("compared with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    compared_accuracy = models.FloatField(
        _("accuracy of the model it was compared with"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="routing_model_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_source_display()} {self.trained_at:%Y-%m-%d %H:%M}"


class RoutingSettings(models.Model):
    """The single row of routing settings that an administrator changes on /staf/rute/."""

    target_precision = models.DecimalField(
        _("target precision"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.950"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("1"))],
        help_text=_("The share of suggestions above the threshold that must be right."),
    )
    threshold_override = models.FloatField(
        _("threshold set by hand"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Empty: the threshold chosen on held-out data for the target precision."),
    )
    prefill_enabled = models.BooleanField(
        _("pre-fill the dispatch form"),
        default=False,
        help_text=_(
            "Coordinators may fill the dispatch form from a suggestion above the threshold."
        ),
    )
    auto_dispatch_enabled = models.BooleanField(
        _("dispatch automatically"),
        default=False,
        help_text=_(
            "New complaints whose suggestion is above the threshold are verified and dispatched "
            "without a coordinator."
        ),
    )
    retrain_every_days = models.PositiveSmallIntegerField(
        _("retrain every (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("0: only when an administrator asks."),
    )
    retrain_requested_at = models.DateTimeField(_("retraining requested at"), null=True, blank=True)
    last_training_at = models.DateTimeField(_("last training at"), null=True, blank=True)
    # How the last training ended, as a stored text (``aduan.core.problems``): shown in the
    # reader's language whichever worker wrote it.
    last_training_outcome = models.JSONField(_("last training result"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return str(_("Routing settings"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)


class RoutingSuggestion(models.Model):
    """What the active model suggested for one complaint: up to three agencies and a category.

    The agencies are stored by id with their confidences, best first (labels that no longer map
    to an active agency are left out). ``auto_dispatch`` is set when the suggestion verified and
    dispatched the complaint by itself; ``undone_at`` when a coordinator took that back.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="routing_suggestion",
    )
    model = models.ForeignKey(
        RoutingModel,
        verbose_name=_("model version"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    agency_ids = models.JSONField(_("suggested agencies"), default=list)
    scores = models.JSONField(_("confidences"), default=list)
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("suggested category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_score = models.FloatField(_("category confidence"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pre-filled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("pre-filled at"), null=True, blank=True)
    auto_dispatch = models.ForeignKey(
        "complaints.Dispatch",
        verbose_name=_("automatic dispatch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    auto_dispatched_at = models.DateTimeField(
        _("dispatched automatically at"), null=True, blank=True
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing suggestion")
        verbose_name_plural = _("routing suggestions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.agency_ids}"

    @property
    def confidence(self) -> float:
        return float(self.scores[0]) if self.scores else 0.0
