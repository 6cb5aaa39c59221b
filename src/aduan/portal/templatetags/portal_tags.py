"""Small template helpers for the portal's pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def has_field_errors(form: Any) -> bool:
    """Whether any field (not the form as a whole) has an error."""
    return any(name != "__all__" for name in getattr(form, "errors", {}))
