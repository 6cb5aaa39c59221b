"""Rollups for dashboards and statistics (DESIGN §6: never a full scan per request).

Every complaint has one :class:`ComplaintFact`: the few inputs the dashboards count, taken from
the complaint and its deadlines. The rollup tables hold sums of what each fact contributes
(``aduan.monitoring.facts.contribution``). When a complaint changes, the follower
(``aduan.monitoring.rollups``) recomputes its fact and adds the difference between the new and the
old contribution to the rollup rows, in one transaction; so the rollups always equal a fresh
GROUP BY over the complaints, which ``aduan rollups check`` verifies.

Rows are keyed by the month the complaint was submitted (Asia/Jakarta): every figure is about the
complaints received in a period ("of those received in 2024, how many are resolved now"), which
is how the action plan measures its targets. ``agency_id`` is the lead agency (``NO_AGENCY``
before dispatch); rows with ``ALL_AGENCIES`` hold the province-wide sums, so a province dashboard
reads a few hundred rows instead of adding up every agency's.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aduan.complaints.models import Complaint

ALL_AGENCIES = -1
NO_AGENCY = 0


class ComplaintFact(models.Model):
    """What one complaint contributes to the rollups, as last applied."""

    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    data = models.JSONField(_("data"))

    class Meta:
        verbose_name = _("complaint fact")
        verbose_name_plural = _("complaint facts")

    def __str__(self) -> str:
        return f"fact {self.pk}"


class Rollup(models.Model):
    """Counters of the complaints received in ``month``, by one dimension.

    ``dim`` is ``total`` (value ``""``), ``channel``, ``kind``, ``category`` (id), ``region``
    (kabupaten/kota code), ``status``, or, in the province rows only, ``agency`` (id).
    """

    month = models.DateField(_("month"))
    agency_id = models.IntegerField(_("agency"))
    dim = models.CharField(_("dimension"), max_length=16)
    value = models.CharField(_("value"), max_length=40)
    received = models.BigIntegerField(default=0)
    verified = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    resolved_once = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    backlog = models.BigIntegerField(default=0)
    overdue = models.BigIntegerField(default=0)
    reopened = models.BigIntegerField(default=0)
    archived = models.BigIntegerField(default=0)
    transferred = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)

    COUNTERS = (
        "received",
        "verified",
        "answered",
        "resolved",
        "resolved_once",
        "closed",
        "backlog",
        "overdue",
        "reopened",
        "archived",
        "transferred",
        "rated",
        "rating_sum",
        "satisfied",
    )

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "dim", "month", "value"], name="rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id} {self.dim}={self.value}"


class ClockRollup(models.Model):
    """Deadlines kept and missed, by kind and by the agency that owed them.

    ``agency_id`` is the dispatch's agency for agency deadlines and ``NO_AGENCY`` for the
    coordinators' verification deadline. ``overdue`` counts deadlines still running past due.
    """

    month = models.DateField(_("month"))
    agency_id = models.IntegerField(_("agency"))
    kind = models.CharField(_("kind"), max_length=16)
    met = models.BigIntegerField(default=0)
    missed = models.BigIntegerField(default=0)
    overdue = models.BigIntegerField(default=0)

    COUNTERS = ("met", "missed", "overdue")

    class Meta:
        verbose_name = _("deadline rollup")
        verbose_name_plural = _("deadline rollups")
        constraints = [
            models.UniqueConstraint(fields=["agency_id", "kind", "month"], name="clockrollup_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id} {self.kind}"


class StageHistogram(models.Model):
    """How long a stage took, as counts per duration bucket (``facts.HOUR_BUCKETS``).

    Histograms add up across months and agencies, so a median for any filter is read from a
    few rows (as Prometheus' ``histogram_quantile`` does), at the resolution of the buckets.
    """

    month = models.DateField(_("month"))
    agency_id = models.IntegerField(_("agency"))
    stage = models.CharField(_("stage"), max_length=16)
    bucket = models.SmallIntegerField(_("bucket"))
    count = models.BigIntegerField(default=0)

    COUNTERS = ("count",)

    class Meta:
        verbose_name = _("stage histogram")
        verbose_name_plural = _("stage histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "stage", "month", "bucket"], name="stagehistogram_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id} {self.stage}#{self.bucket}"


class DailyCount(models.Model):
    """Complaints received per day (Asia/Jakarta), by category and by place, for the emerging
    issues (``aduan.monitoring.trends``): a week and its history are a few thousand rows.

    ``dim`` is ``category`` (id) or ``place`` (the kecamatan code, or the kabupaten/kota code when
    the complaint names no kecamatan); ``agency_id`` as in :class:`Rollup`.
    """

    day = models.DateField(_("day"))
    agency_id = models.IntegerField(_("agency"))
    dim = models.CharField(_("dimension"), max_length=16)
    value = models.CharField(_("value"), max_length=40)
    received = models.BigIntegerField(default=0)

    COUNTERS = ("received",)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "dim", "day", "value"], name="dailycount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.agency_id} {self.dim}={self.value}"


class StaffActivity(models.Model):
    """When each officer last acted on a complaint (for "active officers in the last 30 days")."""

    user_id = models.IntegerField(_("user"), primary_key=True)
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("staff activity")
        verbose_name_plural = _("staff activity")

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_seen:%Y-%m-%d}"


class FollowerCursor(models.Model):
    """How far the rollup follower has read the audit log (one row, pk 1)."""

    seq = models.BigIntegerField(_("last audit sequence applied"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True)

    class Meta:
        verbose_name = _("rollup cursor")
        verbose_name_plural = _("rollup cursor")

    def __str__(self) -> str:
        return str(self.seq)


class Target(models.Model):
    """An action-plan target (or the baseline) for one year, editable by administrators."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complaints = models.PositiveIntegerField(_("complaints received"))
    resolved_percent = models.DecimalField(_("% resolved"), max_digits=5, decimal_places=2)
    is_baseline = models.BooleanField(_("baseline"), default=False)
    note = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("action-plan target")
        verbose_name_plural = _("action-plan targets")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
