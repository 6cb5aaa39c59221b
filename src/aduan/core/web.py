"""What every web audience (portal, back office, accounts) does with domain errors."""

from __future__ import annotations

from django import forms

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
