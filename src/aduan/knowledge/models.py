"""Knowledge for officers: the documents they work by (SOP, regulations, guides) and the canned
responses (template jawaban) they start follow-ups from.

Only ``aduan.knowledge.services`` writes these rows; every write is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    SOP = "sop", _("Standard operating procedure (SOP)")
    REGULATION = "regulation", _("Regulation")
    GUIDE = "guide", _("Guide")
    OTHER = "other", _("Other")


class KeptModel(models.Model):
    """Who created and last changed a row, and when; an archived row is kept, not deleted."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed at"))
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        abstract = True


class Document(KeptModel):
    """A document officers can open from the back office: a file kept here (served only to
    signed-in staff), a link to where it is published, or both.

    A document without agencies is for everyone; one with agencies is shown to the staff of
    those agencies (their sub-units and parents) and to the instansi-wide roles.
    """

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    number = models.CharField(
        _("number"), max_length=100, blank=True, help_text=_("For example 76 or 065-763-2017.")
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    file = models.FileField(_("file"), upload_to="knowledge/%Y/%m/", blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("agencies"),
        blank=True,
        related_name="knowledge_documents",
        help_text=_("Empty: for every agency."),
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["title", "id"], name="knowledge_document_title_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        """The number and year as regulations are cited (``76/2013``); empty if neither."""
        return "/".join(str(part) for part in (self.number, self.year) if part)


class ResponseTemplate(KeptModel):
    """A canned response (template jawaban): a ready-made follow-up text with placeholders
    (``{nomor_laporan}``…, see ``aduan.knowledge.placeholders``), for one category or any, kept
    by one agency or shared by the whole instansi (no agency)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response_templates",
        help_text=_("Empty: offered for every category."),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response_templates",
        help_text=_("Empty: shared by every agency of the instansi."),
    )

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["title", "id"], name="knowledge_template_title_idx"),
            models.Index(fields=["category", "agency"], name="knowledge_template_scope_idx"),
        ]

    def __str__(self) -> str:
        return self.title
