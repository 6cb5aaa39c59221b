"""Likely duplicates found among complaints (derived data: ``aduan duplicates rebuild``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DuplicateCandidate(models.Model):
    """A pair of complaints that may report the same problem at the same place.

    One row per pair, from the complaint the detection ran for (``complaint``) to the one it
    found (``candidate``); both complaints' pages show it. ``reasons`` holds the measured facts
    (``scoring.Match.reasons``), turned into words in the viewer's language when shown. A
    coordinator who decides the two are different dismisses the pair; detection never brings a
    dismissed pair back.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="duplicate_candidates",
    )
    candidate = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("possible duplicate"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    detected_at = models.DateTimeField(_("detected at"))
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "candidate"], name="duplicate_candidate_unique_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(complaint=models.F("candidate")),
                name="duplicate_candidate_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} ~ {self.candidate_id}"


class DuplicateScan(models.Model):
    """That detection has run for a complaint (so an empty result is not computed again)."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="duplicate_scan",
    )
    scanned_at = models.DateTimeField(_("scanned at"))

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")

    def __str__(self) -> str:
        return str(self.complaint_id)
