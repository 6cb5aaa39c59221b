"""Texts kept for administrators are stored as the English source text and its values, and put
into words in the reader's language when shown, whichever worker (in whichever language) wrote
them: why the SP4N-LAPOR! connector could not take in a national report or parked a message
(/staf/lapor/, ``aduan lapor status``), how the last routing training ended (/staf/rute/).

A stored problem is ``{"text": <source>, "params": {<name>: <value>}}``; a value is a string or a
number, or a stored text itself (a translated label, a domain error), translated too. A text
that is not in the catalogue (an old row's words, a technical error) is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from aduan.core.errors import DomainError


def problem(text: str | Promise, **params: Any) -> dict[str, Any]:
    """``text`` (a ``gettext_lazy`` string, ``%(name)s`` placeholders) and its values, to keep."""
    # No English catalogue: in English a lazy string is its source text, the catalogue's key.
    with translation.override("en"):
        stored: dict[str, Any] = {"text": str(text)}
        if params:
            stored["params"] = {name: _value(value) for name, value in params.items()}
    return stored


def _value(value: Any) -> Any:
    if isinstance(value, dict):  # stored already
        return value
    if isinstance(value, DomainError):
        return problem(value.message, **value.params)
    if isinstance(value, BaseException):  # a connector error (NationalError) or another
        return explained(value)
    if isinstance(value, Promise):
        return {"text": str(value)}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def explained(error: BaseException) -> dict[str, Any]:
    """An exception as a stored text: a connector error's own (translated when shown), any other
    as its words."""
    found = getattr(error, "problem", None)
    return found if isinstance(found, dict) else {"text": str(error)}


def problem_text(stored: dict[str, Any] | None) -> str:
    """A stored problem in the active language ("" for none)."""
    if not stored or not stored.get("text"):
        return ""
    translated = gettext(stored["text"])
    params = stored.get("params")
    if not params:
        return translated
    return translated % {
        name: problem_text(value) if isinstance(value, dict) else value
        for name, value in params.items()
    }


def problem_in_english(stored: dict[str, Any] | None) -> str:
    """A stored problem in English, for logs."""
    with translation.override("en"):
        return problem_text(stored)
