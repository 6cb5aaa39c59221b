"""Template tags that put routing suggestions into the back office's own pages.

``{% load routing %}{% routing_card complaint %}`` on the complaint page and
``{% routing_row_hint complaint %}`` in a verification-queue row: each renders a partial of this
app, so the shared templates carry one line each.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from aduan.complaints import policies
from aduan.complaints.models import Complaint, Status
from aduan.routing import selectors
from aduan.routing.forms import UndoForm

register = template.Library()

_ROW_CACHE = "routing_row_suggestions"


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.873 → "87 %"; with ``digits`` (for thresholds) 0.9997 → "99,97 %" (Indonesian);
    tiny → "<1 %"."""
    if value is None:
        return "—"
    number = float(value) * 100
    if not digits and 0 < number < 0.5:
        return "<1 %"
    # The reader's decimal separator: "99,97 %" in Indonesian, "99.97 %" in English.
    return f"{number_format(number, int(digits))} %"


@register.inclusion_tag("routing/partials/card.html", takes_context=True)
def routing_card(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    """The suggestion on the complaint page (made now if it is awaiting verification and has
    none), with "use this suggestion" and, after an automatic dispatch, "undo"."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if not policies.acts_as_coordinator(user, complaint):
        return {"show": False}
    view = selectors.suggestion_for(complaint, compute=True)
    return {
        "show": view is not None and bool(view.choices),
        "pending": view is None and selectors.suggestion_pending(complaint.pk),
        "complaint": complaint,
        "view": view,
        "may_use": selectors.may_use(user, complaint, view),
        "may_undo": selectors.may_undo(user, complaint, view),
        "undo_form": UndoForm(),
        "awaiting": complaint.status == Status.SUBMITTED,
    }


@register.inclusion_tag("routing/partials/row_hint.html", takes_context=True)
def routing_row_hint(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    """One line in a queue row: "Suggested: Dinas X 87 %, …". The page's suggestions are read
    in one go on the first row (from the ``rows`` of the queue), not one query per row."""
    cache = context.render_context.get(_ROW_CACHE)
    if cache is None:
        ids = [complaint.pk]
        for row in context.get("rows") or []:
            item = row[0] if isinstance(row, tuple | list) else row
            if isinstance(item, Complaint):
                ids.append(item.pk)
        cache = selectors.suggestion_views(ids)
        context.render_context[_ROW_CACHE] = cache
    view = cache.get(complaint.pk)
    return {"view": view if view is not None and view.choices else None}
