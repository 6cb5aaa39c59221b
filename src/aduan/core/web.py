"""What every web audience (portal, back office, accounts) does with domain errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, Http404

from aduan.core.errors import DomainError, InvalidInput, PermissionDenied, TransitionNotAllowed


def http_status_for(error: DomainError) -> int:
    """The HTTP status a domain error answers with: 404 hides what may not be seen."""
    if isinstance(error, PermissionDenied):
        return 404
    if isinstance(error, TransitionNotAllowed):
        return 409
    if isinstance(error, InvalidInput):
        return 400
    return 400


def add_form_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form (its message is already in the reader's language)."""
    form.add_error(None, str(error))


# Shown in the browser; anything else (PDF included) is downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def private_file_response(item: Any) -> FileResponse:
    """Serve an attachment (``file``, ``content_type``, ``original_name``) to someone the view
    has already checked: never cached, never sniffed, sandboxed. 404 when the file is gone."""
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=item.content_type not in INLINE_TYPES,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
