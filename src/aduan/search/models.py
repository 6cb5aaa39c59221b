"""The derived search document of each complaint (stemming happens in Python, so the database
indexes text that is already normalised and stemmed; see ``aduan.search.text``).

Derived data only: rebuilt at any time by ``aduan search rebuild``. Each backend indexes
``document`` its own way, created by migration 0002 and invisible to the ORM:

* PostgreSQL: a generated column ``tsv = to_tsvector('simple', document)`` with a GIN index;
* SQLite: an FTS5 table ``search_fts`` (external content, rowid = complaint id) kept in step
  with this table by triggers.

The staff scope is copied in too (migration 0003): ``agency_ids``, the agencies with an active
dispatch of the complaint (``bigint[]`` in the GIN index with ``tsv`` on PostgreSQL, text
`` 12 15 `` on SQLite), and ``submitted_at``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """The stems of a complaint's title and description, as the search index reads them."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    document = models.TextField(_("indexed text"))
    updated_at = models.DateTimeField(_("updated at"))
    # The complaint's, copied for the newest-first order of an agency's documents; written
    # with ``agency_ids`` (migration 0003, which indexes both) by ``backends.scopes_refresh``.
    submitted_at = models.DateTimeField(_("submitted at"), null=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.complaint_id)


class SearchIndexState(models.Model):
    """The single row that says what the documents were written with: the
    ``text.index_fingerprint`` of the last full ``aduan search rebuild``, or of a database
    created empty (migration 0004); blank when unknown. The check ``aduan.search.W001`` warns
    when it is not this version's."""

    fingerprint = models.CharField(_("fingerprint of the normalisation"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index states")

    def __str__(self) -> str:
        return self.fingerprint
