"""Template filters for the dashboards: numbers and percentages as people read them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from aduan.monitoring import presenters
from aduan.monitoring.selectors import Compliance

register = template.Library()


@register.filter
def pct(value: float | Decimal | None) -> str:
    """A percentage ("87,5 %"), or "—" when there is nothing to divide by."""
    return presenters.percent(None if value is None else float(value))


@register.filter
def num(value: int | float | None) -> str:
    """A count with thousands separators."""
    return presenters.number(value)


@register.filter
def rating(value: float | None) -> str:
    return presenters.rating(value)


@register.filter
def kind_percent(by_kind: dict[str, Compliance], kind: str) -> str:
    """The share of deadlines of ``kind`` kept, from an agency's compliance by kind."""
    found = by_kind.get(kind)
    return presenters.percent(found.percent if found is not None else None)
