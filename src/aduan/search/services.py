"""Writes of the derived search documents (never of complaints).

A document is written in the same transaction as the complaint change that caused it
(``signals``), so the index never disagrees with a committed complaint; ``rebuild`` fills it for
complaints written without signals (``aduan loadgen`` uses ``bulk_create``) or after the
dictionary changed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import QuerySet

from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.search import backends
from aduan.search.models import SearchDocument, SearchIndexState
from aduan.search.text import document_text, index_fingerprint

# The complaint fields the document is made of; a save that changes none of them leaves the
# document alone.
INDEXED_FIELDS = frozenset({"title", "description"})
# The complaint fields copied into the document's scope (with the dispatches' agencies).
SCOPE_FIELDS = frozenset({"submitted_at"})
GIN_INDEX = "search_document_tsv_idx"


def _document_of(title: str, description: str) -> str:
    return document_text(title, description)


@transaction.atomic
def search_document_refresh(*, complaint: Complaint) -> SearchDocument:
    """Write ``complaint``'s search document from its current title and description."""
    document = _document_of(complaint.title, complaint.description)
    existing = SearchDocument.objects.filter(complaint_id=complaint.pk).first()
    if existing is None or existing.document != document:
        SearchDocument.objects.update_or_create(
            complaint_id=complaint.pk,
            defaults={"document": document, "updated_at": clock.now()},
        )
    backends.scopes_refresh([complaint.pk])
    return SearchDocument.objects.get(complaint_id=complaint.pk)


@transaction.atomic
def search_scopes_refresh(*, complaint_ids: list[int]) -> None:
    """Copy the staff scope of these complaints (the agencies of their active dispatches, as
    ``policies.visible_to`` reads them, and their submission time) into their documents; called
    in the transaction that changed a dispatch (``signals``)."""
    backends.scopes_refresh(complaint_ids)


def search_documents_rebuild(
    *,
    batch_size: int = 5000,
    only_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)write the documents of all complaints, or only of those without one, in batches of
    ``batch_size`` by id (each batch its own transaction, so a stopped rebuild keeps what it
    did). Calls ``progress(done, total)`` after each batch; returns how many were written. A
    full rebuild that completes records what it wrote with (``text.index_fingerprint``)."""
    fingerprint = index_fingerprint()
    complaints = Complaint.objects.order_by("pk")
    if only_missing:
        complaints = complaints.filter(search_document__isnull=True)
    total = complaints.count()
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        # The GIN index merges each entry at once (``fastupdate`` off, migration 0002); for a
        # bulk write, collecting entries in its pending list and merging them once at the end
        # is several times faster.
        _execute(f"ALTER INDEX {GIN_INDEX} SET (fastupdate = on)")
    try:
        done = _rebuild_batches(complaints, batch_size, total, progress)
    finally:
        if postgresql:
            _execute(f"SELECT gin_clean_pending_list('{GIN_INDEX}')")
            _execute(f"ALTER INDEX {GIN_INDEX} SET (fastupdate = off)")
            # Fresh statistics, so the planner tells common words from rare ones at once.
            _execute("ANALYZE search_searchdocument")
    if not only_missing:
        SearchIndexState.objects.update_or_create(pk=1, defaults={"fingerprint": fingerprint})
    return done


def _execute(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _rebuild_batches(
    complaints: QuerySet[Complaint],
    batch_size: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    done = 0
    last_id = 0
    while True:
        rows = list(
            complaints.filter(pk__gt=last_id).values_list("pk", "title", "description")[:batch_size]
        )
        if not rows:
            break
        now = clock.now()
        documents = [
            SearchDocument(
                complaint_id=pk, document=_document_of(title, description), updated_at=now
            )
            for pk, title, description in rows
        ]
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["complaint"],
                update_fields=["document", "updated_at"],
            )
            backends.scopes_refresh([row[0] for row in rows])
        done += len(rows)
        last_id = rows[-1][0]
        if progress is not None:
            progress(done, total)
    return done
