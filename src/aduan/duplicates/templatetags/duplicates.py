"""Include points of the duplicates app in shared templates (one line each):

- ``{% duplicate_candidates complaint user %}`` on the back-office complaint page;
- ``{% duplicate_badge complaint %}`` in a queue row (one lookup for the whole page's ``rows``);
- ``{% similar_public_complaints tracking_id %}`` on the portal's receipt.
"""

from __future__ import annotations

from typing import Any

from django import template

from aduan.complaints import policies
from aduan.complaints.models import Complaint
from aduan.duplicates import selectors, services

register = template.Library()


@register.inclusion_tag("duplicates/candidates.html", takes_context=True)
def duplicate_candidates(context: Any, complaint: Complaint, user: Any) -> dict[str, Any]:
    """The possible duplicates of ``complaint`` that ``user`` may see. A coordinator opening a
    complaint never scanned (older ones, generated data) has it scanned now."""
    if policies.acts_as_coordinator(user, complaint):
        services.duplicates_detect_if_missing(complaint=complaint)
    return {
        "complaint": complaint,
        "candidates": selectors.candidates_for(user, complaint),
        "csrf_token": context.get("csrf_token"),
    }


_FLAGGED = "duplicates.flagged"


@register.inclusion_tag("duplicates/badge.html", takes_context=True)
def duplicate_badge(context: Any, complaint: Complaint) -> dict[str, Any]:
    """A "possible duplicate" badge; the page's rows (``rows``: complaints or tuples starting
    with one) are looked up once per rendering."""
    cache = context.render_context
    if _FLAGGED not in cache:
        ids = []
        for row in context.get("rows") or []:
            item = row[0] if isinstance(row, tuple | list) else row
            if isinstance(item, Complaint):
                ids.append(item.pk)
        request = context.get("request")
        user = getattr(request, "user", None)
        cache[_FLAGGED] = selectors.flagged_ids(user, ids) if user is not None else set()
    return {"flagged": complaint.pk in cache[_FLAGGED]}


@register.inclusion_tag("duplicates/similar_public.html")
def similar_public_complaints(tracking_id: str) -> dict[str, Any]:
    """Public complaints like the one just sent, so its reporter can support or follow one."""
    complaint = Complaint.objects.filter(tracking_id=tracking_id).first()
    return {"similar": selectors.similar_public(complaint) if complaint is not None else []}
