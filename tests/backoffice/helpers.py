"""Small helpers shared by the back-office tests."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.urls import reverse

from aduan.complaints.models import Complaint

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def workspace_url(complaint: Complaint) -> str:
    return reverse("backoffice:complaint", args=[complaint.tracking_id])


def action_url(complaint: Complaint, slug: str, target: int | None = None) -> str:
    if target is None:
        return reverse("backoffice:complaint_action", args=[complaint.tracking_id, slug])
    return reverse("backoffice:complaint_target_action", args=[complaint.tracking_id, slug, target])


def panels(response: HttpResponse) -> set[str]:
    """The action panels a workspace page offers (``dispatch``, ``decline-12``...)."""
    return set(re.findall(r'id="panel-([a-z0-9-]+)"', response.content.decode()))


def kinds(panel_keys: set[str]) -> set[str]:
    """Panel keys without their target ids (``decline-12`` → ``decline``)."""
    return {re.sub(r"-\d+$", "", key) for key in panel_keys}


def messages_of(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def text(response: HttpResponse) -> str:
    return response.content.decode()
