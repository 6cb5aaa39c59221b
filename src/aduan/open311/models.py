"""What the Open311 server keeps besides the complaint itself."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Request(models.Model):
    """A complaint received through ``POST requests``: which client sent it, the token the client
    may look it up by, and the request's fields the complaint has no place for.

    ``media_url`` is the client's own link to a photo (never fetched); it is the only media the
    public ``GET requests`` shows, because uploaded files are never public. ``device_id`` and
    ``account_id`` identify a person's phone or account at the client and are never shown.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="open311_request",
    )
    client = models.ForeignKey(
        "api.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        related_name="open311_requests",
    )
    token = models.CharField(_("token"), max_length=32, unique=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    device_id = models.CharField(_("device ID"), max_length=100, blank=True)
    account_id = models.CharField(_("account ID at the client"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return self.token
