"""Formatting for the action-plan pages: scores, changes and percentages in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

DASH = "—"


def _digits(value: Decimal) -> int:
    """One decimal unless the second is needed (2.20 → 2.2, 3.00 → 3.0, 2.25 → 2.25)."""
    return 1 if value.quantize(Decimal("0.01")) == value.quantize(Decimal("0.1")) else 2


@register.filter
def renaksi_score(value: Decimal | None) -> str:
    if value is None:
        return DASH
    return number_format(value, decimal_pos=_digits(value))


@register.filter
def renaksi_change(value: Decimal | None) -> str:
    """+0.3 / -0.2, or empty when there is no earlier score or no change."""
    if value is None or value == 0:
        return ""
    sign = "+" if value > 0 else "-"
    return sign + number_format(abs(value), decimal_pos=_digits(abs(value)))


@register.filter
def renaksi_percent(value: float | None) -> str:
    if value is None:
        return DASH
    return number_format(value, decimal_pos=1) + "%"
