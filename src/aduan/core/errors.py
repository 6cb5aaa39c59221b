"""Domain errors. Every audience turns them into its own answer (form error, HTTP 409/403...).

Messages are lazy translations with ``%(name)s`` placeholders, so they render in the language
of whoever reads them (Bahasa Indonesia by default). A parameter that is itself worded (a
status, a field's name) is passed lazy too (an enum's ``.label``, ``gettext_lazy``), never as
``get_..._display()`` or ``str(_(...))``: ``str()`` formats the parameters when the message is
read, so a text frozen at raise time would stay in the language of that moment.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """Base class: a rule of the domain refused the request."""

    code = "domain_error"

    def __init__(self, message: str | Promise, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class PermissionDenied(DomainError):
    """The actor's role does not allow this action on this object."""

    code = "permission_denied"


class TransitionNotAllowed(DomainError):
    """The object's current state does not allow this action."""

    code = "transition_not_allowed"


class InvalidInput(DomainError):
    """The input is malformed or incomplete."""

    code = "invalid_input"
