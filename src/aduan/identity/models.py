"""Records of online NIK checks. The NIK itself lives only on the account (``User.nik``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NikCheck(models.Model):
    """One online check of a NIK with Dukcapil (or the configured provider): for whom, asked
    by whom and how, when, and the answer.

    The NIK is kept only as a keyed fingerprint (``nik_fingerprint``), so checks of one number
    can be counted and linked without this table holding the number; the answer keeps the
    per-field flags (``{"NAMA_LGKP": true}``), never the data sent.
    """

    class Result(models.TextChoices):
        MATCHED = "matched", _("matched")
        NOT_MATCHED = "not_matched", _("not matched")
        UNAVAILABLE = "unavailable", _("unavailable")

    class Trigger(models.TextChoices):
        REGISTRATION = "registration", _("registration")
        PROFILE = "profile", _("profile")
        RETRY = "retry", _("retry")
        COMMAND = "command", _("command line")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="nik_checks",
        help_text=_("Whose NIK was checked; empty for a check from the command line."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    created_at = models.DateTimeField(_("checked at"))
    nik_fingerprint = models.CharField(_("NIK fingerprint"), max_length=64, db_index=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    reason = models.CharField(_("reason"), max_length=32)
    fields = models.JSONField(_("field flags"), default=dict, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_code = models.CharField(_("response code"), max_length=20, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("NIK check")
        verbose_name_plural = _("NIK checks")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="nik_check_user_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.get_result_display()}"
