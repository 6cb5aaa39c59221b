"""Keeps each complaint's search document in step with it, in the same transaction."""

from __future__ import annotations

from typing import Any

from aduan.complaints.models import Complaint, Dispatch
from aduan.search import services


def complaint_saved(
    sender: type[Complaint],
    instance: Complaint,
    created: bool,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Refresh the document when a complaint is created or its indexed texts may have changed.

    Inline rather than on commit: stemming is cached per word, so this costs a few
    milliseconds, and a rollback then takes the document back with the complaint.
    """
    if raw:
        return
    if not created and update_fields is not None:
        if services.INDEXED_FIELDS & update_fields:
            services.search_document_refresh(complaint=instance)
        elif services.SCOPE_FIELDS & update_fields:
            services.search_scopes_refresh(complaint_ids=[instance.pk])
        return
    services.search_document_refresh(complaint=instance)


def dispatch_changed(
    sender: type[Dispatch], instance: Dispatch, raw: bool = False, **kwargs: Any
) -> None:
    """A dispatch was saved or deleted: its complaint's agencies may have changed, so the
    scope copied into the search document is rewritten, in the same transaction."""
    if raw:
        return
    services.search_scopes_refresh(complaint_ids=[instance.complaint_id])
