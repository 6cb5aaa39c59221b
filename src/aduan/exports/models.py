"""Background exports: one row per export too large to download at once.

The file is written by a worker into private storage (``ADUAN_EXPORT_ROOT``, never under a
public URL) and served only to the person who asked for it, until ``expires_at``.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStorage(FileSystemStorage):
    """Files under ``settings.ADUAN_EXPORT_ROOT`` (read on each use, so tests can move it).
    No URL: an export is only ever served by the view that checks its owner."""

    @property
    def base_location(self) -> str:
        return str(settings.ADUAN_EXPORT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("export files have no URL; serve them through exports:download")


_storage = ExportStorage()


def export_storage() -> Storage:
    return _storage


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportJob(models.Model):
    """One requested export of a back-office list with its filters, run by a worker.

    ``filters_key`` (a hash of the list, format and filters) with the partial unique constraint
    makes a repeated request while one is queued or running return that job.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    list_name = models.CharField(_("list"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    filters_key = models.CharField(_("request key"), max_length=64)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    language = models.CharField(_("language"), max_length=8, default="id")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), storage=export_storage, upload_to="%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "filters_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="export_one_active_per_request",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_user_recent_idx"),
            models.Index(fields=["status", "expires_at"], name="export_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}.{self.format} ({self.status})"

    @property
    def filename(self) -> str:
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M")
        return f"aduan-{self.list_name}-{stamp}.{self.format}"
