"""Writing to the outbox. Called by lifecycle services inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from aduan.core import clock
from aduan.notifications.models import Audience, OutboxMessage

if TYPE_CHECKING:
    from aduan.agencies.models import Agency
    from aduan.complaints.models import Complaint
    from aduan.core.models import AuditEvent


def outbox_enqueue(
    *,
    event: AuditEvent,
    complaint: Complaint,
    audiences: Iterable[Audience | tuple[Audience, Agency]],
    payload: dict[str, Any] | None = None,
) -> list[OutboxMessage]:
    """Write one outbox row per audience for the audited ``event``.

    The key is derived from the audit event, so a row can never be written twice for one event.
    Payloads carry no personal data: the worker resolves addresses when it delivers.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction of the change")
    now = clock.now()
    body = {
        "tracking_id": complaint.tracking_id,
        "status": complaint.status,
        "action": event.action,
        **(payload or {}),
    }
    rows = []
    for item in audiences:
        audience, agency = item if isinstance(item, tuple) else (item, None)
        key = f"audit:{event.seq}:{audience}:{agency.pk if agency else '-'}"
        rows.append(
            OutboxMessage(
                created_at=now,
                event=event.action,
                complaint=complaint,
                audience=audience,
                agency=agency,
                payload=body,
                dedupe_key=key,
                available_at=now,
            )
        )
    return OutboxMessage.objects.bulk_create(rows)
