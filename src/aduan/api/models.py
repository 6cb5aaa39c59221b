"""API clients: the programs (the provincial Super-App, Open311 apps) that call the APIs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """One calling program with one key. Only a hash of the key is stored; ``key_prefix`` finds
    the row without scanning, and revoking keeps the row so past audit events still name it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
