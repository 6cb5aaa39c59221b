"""Template helpers for the back office: deadline badges, bounded counts, history labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from aduan.backoffice.labels import (
    ACTION_LABELS,
    DATA_CHOICES,
    DATA_LABELS,
    ESCALATED_TO,
    STEP_DATA_CHOICES,
    STEP_DATA_LABELS,
)
from aduan.complaints.models import Clock
from aduan.complaints.queues import COUNT_LIMIT, DeadlineState, deadline_state
from aduan.notifications.models import Audience

register = template.Library()

BADGES = {
    DeadlineState.OVERDUE: ("badge-overdue", _("Overdue")),
    DeadlineState.SOON: ("badge-soon", _("Due soon")),
    DeadlineState.OK: ("badge-ok", _("On time")),
    DeadlineState.PAUSED: ("badge-muted", _("Paused")),
    DeadlineState.REPORTER: ("badge-muted", _("Reporter's turn")),
}


@register.inclusion_tag("backoffice/partials/deadline.html")
def deadline_badge(item: Clock | None, show_kind: bool = False) -> dict[str, Any]:
    """A deadline's badge (overdue, due soon, on time...) and its date."""
    if item is None:
        return {"clock": None}
    css, label = BADGES[deadline_state(item)]
    return {"clock": item, "css": css, "label": label, "show_kind": show_kind}


@register.filter
def bounded(count: int | None) -> str:
    """A bounded count as people read it: "99+" once it reaches the limit."""
    if count is None:
        return ""
    return f"{COUNT_LIMIT - 1}+" if count >= COUNT_LIMIT else str(count)


@register.filter
def action_label(action: str, data: dict[str, Any] | None = None) -> str:
    """The human label of an audit action; with its data, an escalation names its audience."""
    if action == "clock.escalated" and data and data.get("to") in Audience.values:
        return str(ESCALATED_TO % {"audience": Audience(data["to"]).label})
    return str(ACTION_LABELS.get(action, action))


@register.filter
def data_items(data: dict[str, Any], action: str = "") -> list[tuple[str, str]]:
    """The audit data worth showing, labelled, in a fixed order; with the step's ``action``,
    codes (an archive's reason, a dispatch's role...) show as their labels."""
    items = []
    for key, label in DATA_LABELS.items():
        value = data.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, int) and key != "score":
            continue  # a row id (e.g. the note of "complaint.noted"), not something to read
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        choices = STEP_DATA_CHOICES.get((action, key)) or DATA_CHOICES.get(key)
        if choices is not None and value in choices.values:
            value = choices(value).label  # the reason's or deadline's name, not its code
        label = STEP_DATA_LABELS.get((action, key), label)
        items.append((str(label), str(value)))
    return items
