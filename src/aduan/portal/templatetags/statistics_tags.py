"""Number formatting for the public statistics page (the current language's separators)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

from aduan.monitoring import presenters

register = template.Library()

NO_DATA = "—"


@register.filter
def stat_number(value: Any) -> str:
    """A count with thousands separators."""
    return presenters.number(value)


@register.filter
def stat_percent(value: float | None) -> str:
    """A percentage with one decimal, or a dash when there is nothing to divide by."""
    if value is None:
        return NO_DATA
    return formats.number_format(round(value, 1), 1, force_grouping=True) + "%"


@register.filter
def stat_decimal(value: Any) -> str:
    """A number with one decimal (e.g. an average rating), or a dash."""
    if value is None:
        return NO_DATA
    return formats.number_format(round(float(value), 1), 1, force_grouping=True)
