"""Receiving a GeoReport v2 service request: one complaint through ``complaint_submit`` plus the
request's own record (client, token, media link), in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aduan.agencies.models import Category
from aduan.api.models import ApiClient
from aduan.api.webhooks import submission_record
from aduan.complaints.models import Channel, Complaint
from aduan.complaints.services import complaint_submit
from aduan.core import clock
from aduan.core.errors import InvalidInput
from aduan.open311.models import Open311Request


@dataclass(frozen=True)
class ReceivedRequest:
    """The stored request; ``created`` is False when an idempotent retry found the first one."""

    complaint: Complaint
    request: Open311Request
    created: bool


@transaction.atomic
def open311_request_receive(
    *,
    client: ApiClient,
    category: Category,
    title: str,
    description: str,
    latitude: Any = None,
    longitude: Any = None,
    address_text: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    attributes: dict[str, Any] | None = None,
    media: Sequence[File[Any]] = (),
    media_url: str = "",
    device_id: str = "",
    account_id: str = "",
    idempotency_key: str | None = None,
) -> ReceivedRequest:
    """Submit a complaint on the Open311 channel for ``client``. Domain errors
    (``InvalidInput``) come from ``complaint_submit`` and leave nothing behind. An idempotency
    key is scoped to the client, so two clients cannot replay each other's requests."""
    result = complaint_submit(
        actor=None,
        title=title,
        description=description,
        category=category,
        latitude=latitude,
        longitude=longitude,
        address_text=address_text,
        channel=Channel.OPEN311,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_email=reporter_email,
        attachments=media,
        attributes=attributes,
        idempotency_key=f"open311:{client.pk}:{idempotency_key}" if idempotency_key else None,
    )
    first = result.complaint
    if not result.created and (
        (first.title, first.description.strip(), first.category_id)
        != (title.strip(), description.strip(), category.pk)
    ):
        # A retry repeats its request; another request under the same key would be lost.
        raise InvalidInput(_("This Idempotency-Key was already used for a different request."))
    request, _created = Open311Request.objects.get_or_create(
        complaint=result.complaint,
        defaults={
            "client": client,
            "token": secrets.token_hex(16),
            "media_url": media_url,
            "device_id": device_id[:100],
            "account_id": account_id[:100],
            "created_at": clock.now(),
        },
    )
    # The client's webhooks follow the complaints it filed, whichever API it used.
    submission_record(client=client, complaint=result.complaint)
    return ReceivedRequest(result.complaint, request, result.created)
