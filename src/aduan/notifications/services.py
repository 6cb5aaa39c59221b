"""Writing to the outbox. Called by lifecycle services inside their transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from aduan.core import clock
from aduan.core.audit import audit_log
from aduan.notifications.models import (
    Audience,
    Delivery,
    Notification,
    NotificationPreference,
    OutboxMessage,
)

if TYPE_CHECKING:
    from aduan.accounts.models import User
    from aduan.agencies.models import Agency
    from aduan.complaints.models import Complaint
    from aduan.core.models import AuditEvent

logger = logging.getLogger(__name__)


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
    created = OutboxMessage.objects.bulk_create(rows)
    if rows and settings.ADUAN_NOTIFY_ENQUEUE_ON_COMMIT:
        transaction.on_commit(request_delivery)
    return created


def request_delivery() -> None:
    """Ask a worker to deliver now rather than at the next poll; best effort after commit.

    Nothing is enqueued while a delivery task already waits in the database queue, and a
    failure only logs: the periodic delivery job picks the rows up anyway.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from aduan.notifications.tasks import deliver_notifications

    try:
        backend = deliver_notifications.get_backend()
        if isinstance(backend, DatabaseBackend):
            waiting = DBTaskResult.objects.filter(
                task_path=deliver_notifications.module_path, status=TaskResultStatus.READY
            )
            if waiting.exists():
                return
        deliver_notifications.enqueue()
    except Exception:
        logger.exception("could not enqueue the delivery task; the periodic job will deliver")


@transaction.atomic
def delivery_retry(*, actor: Any, deliveries: Iterable[Delivery]) -> int:
    """Put dead letters back in the queue (admin action); each retry is audited."""
    now = clock.now()
    count = 0
    for delivery in deliveries:
        updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.DEAD).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_expires_at=None,
        )
        if updated:
            audit_log(actor=actor, action="delivery.retried", target=delivery)
            count += 1
    return count


@transaction.atomic
def outbox_retry(*, actor: Any, messages: Iterable[OutboxMessage]) -> int:
    """Let failed outbox rows be fanned out again (admin action)."""
    now = clock.now()
    count = 0
    for message in messages:
        updated = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.FAILED
        ).update(status=OutboxMessage.Status.PENDING, attempts=0, available_at=now)
        if updated:
            audit_log(actor=actor, action="outbox.retried", target=message)
            count += 1
    return count


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: the given ones, or all unread."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=clock.now())


@transaction.atomic
def preference_update(
    *, user: User, in_app: bool, email: bool, whatsapp: bool, sms: bool
) -> NotificationPreference:
    """Store the channels ``user`` wants to be told on."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"in_app": in_app, "email": email, "whatsapp": whatsapp, "sms": sms}
    )
    return preference


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
