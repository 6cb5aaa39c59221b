"""Outbound webhooks: status changes of a client's complaints, signed, retried, once per event.

Nothing is lost: each subscription follows the audit log from its own ``cursor``. Audit events
get their ``seq`` under the chain-head lock, which is held until commit, so events become
visible in ``seq`` order and a cursor never skips one. ``webhook_collect`` turns new events
into ``WebhookDelivery`` rows (unique per subscription and event, so at most one each) and
moves the cursor in the same transaction; ``webhook_send_due`` posts them, retrying with
exponential backoff until delivered or dead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import CharField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.api import egress
from aduan.api.models import ApiClient, ApiSubmission, WebhookDelivery, WebhookSubscription
from aduan.complaints.models import Complaint
from aduan.complaints.selectors import REPORTER_DATA_KEYS
from aduan.core import clock
from aduan.core.errors import InvalidInput
from aduan.core.models import AuditEvent

SIGNATURE_HEADER = "X-Aduan-Signature"
EVENT_ID_HEADER = "X-Aduan-Event-Id"
EVENT_TYPE_HEADER = "X-Aduan-Event"
BATCH = 500


def sign(secret: str, body: bytes) -> str:
    """The value of ``X-Aduan-Signature`` for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def submission_record(*, client: ApiClient, complaint: Complaint) -> ApiSubmission:
    """Note that ``client`` submitted ``complaint`` (its webhooks follow it); the first client
    stays on a retry. Call it in the submission's transaction, so the webhook cursor never
    passes the complaint's events before knowing whose it is."""
    submission, _created = ApiSubmission.objects.get_or_create(
        complaint=complaint, defaults={"client": client, "created_at": clock.now()}
    )
    return submission


@transaction.atomic
def webhook_subscribe(*, client: ApiClient, url: str, events: list[str]) -> WebhookSubscription:
    """Subscribe ``client`` to ``events`` of the complaints it submitted, from now on."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.ADUAN_WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise InvalidInput(_("The webhook URL must be an https:// address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(_("The webhook URL's port is not valid.")) from None
    egress.check_url(parts.hostname, port)
    head = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    return WebhookSubscription.objects.create(
        client=client,
        url=url,
        events=sorted(set(events)),
        secret=secrets.token_urlsafe(32),
        cursor=head,
        created_at=clock.now(),
    )


@transaction.atomic
def webhook_unsubscribe(*, subscription: WebhookSubscription) -> WebhookSubscription:
    if subscription.is_active:
        subscription.is_active = False
        subscription.save(update_fields=["is_active"])
    return subscription


def _payload(event: AuditEvent, complaint: Complaint, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "event": event.action,
        # Local time with its offset (+07:00), as every other time the API gives.
        "occurred_at": timezone.localtime(event.created_at),
        "complaint": {"tracking_id": complaint.tracking_id, "status": complaint.status},
        "data": {k: v for k, v in event.data.items() if k in REPORTER_DATA_KEYS},
    }


def webhook_collect(*, subscription_id: int) -> int:
    """Turn the subscription's new audit events into deliveries; returns how many were made."""
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
        )
        if subscription is None or not subscription.is_active:
            return 0
        upto = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
        mine = (
            ApiSubmission.objects.filter(client_id=subscription.client_id)
            .annotate(key=Cast("complaint_id", CharField()))
            .values("key")
        )
        events = list(
            AuditEvent.objects.filter(
                seq__gt=subscription.cursor,
                seq__lte=upto,
                target_type="complaints.complaint",
                action__in=subscription.events,
                target_id__in=mine,
            ).order_by("seq")[:BATCH]
        )
        complaints = Complaint.objects.in_bulk([int(e.target_id) for e in events])
        now = clock.now()
        rows = []
        for event in events:
            complaint = complaints.get(int(event.target_id))
            if complaint is None:
                continue
            event_id = f"evt_{subscription.pk}_{event.seq}"
            payload = json.loads(
                json.dumps(_payload(event, complaint, event_id), cls=DjangoJSONEncoder)
            )
            rows.append(
                WebhookDelivery(
                    subscription=subscription,
                    audit_event=event,
                    event_id=event_id,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        subscription.cursor = events[-1].seq if len(events) == BATCH else upto
        subscription.save(update_fields=["cursor"])
        return len(rows)


@dataclass(frozen=True)
class SendResult:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def _claim(limit: int) -> list[int]:
    """Take due deliveries for this worker: their next attempt moves out by the timeout, so a
    second worker does not take them meanwhile (and a dead worker's rows come back)."""
    now = clock.now()
    with transaction.atomic():
        rows = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
        )
        ids = list(rows.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
        lease = timedelta(seconds=settings.ADUAN_WEBHOOK_TIMEOUT_SECONDS * 3)
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + lease)
    return ids


def _backoff(attempts: int) -> timedelta:
    seconds = settings.ADUAN_WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 6 * 3600))


def webhook_send(delivery: WebhookDelivery, http: httpx.Client) -> str:
    """POST one delivery and record the outcome: ``delivered``, ``failed`` (retry) or ``dead``."""
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(subscription.secret, body),
        EVENT_ID_HEADER: delivery.event_id,
        EVENT_TYPE_HEADER: str(delivery.payload.get("event", "")),
        "User-Agent": "Aduan-Webhooks/1",
    }
    status: int | None = None
    error = ""
    try:
        response = http.post(subscription.url, content=body, headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    now = clock.now()
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error
    if not error:
        delivery.state = WebhookDelivery.State.DELIVERED
        delivery.delivered_at = now
        outcome = "delivered"
    elif delivery.attempts >= settings.ADUAN_WEBHOOK_MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.DEAD
        outcome = "dead"
    else:
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
        outcome = "failed"
    delivery.save(
        update_fields=[
            "attempts",
            "last_status",
            "last_error",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return outcome


def webhook_send_due(*, limit: int = 200) -> SendResult:
    """Send every delivery that is due now."""
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    ids = _claim(limit)
    if not ids:
        return SendResult()
    deliveries = WebhookDelivery.objects.select_related("subscription").filter(pk__in=ids)
    with egress.client() as http:
        for delivery in deliveries.order_by("id"):
            counts[webhook_send(delivery, http)] += 1
    return SendResult(**counts)


def webhooks_run() -> dict[str, int]:
    """One round: collect new events for every active subscription, then send what is due."""
    created = 0
    for subscription_id in WebhookSubscription.objects.filter(is_active=True).values_list(
        "pk", flat=True
    ):
        created += webhook_collect(subscription_id=subscription_id)
    result = webhook_send_due()
    return {
        "created": created,
        "delivered": result.delivered,
        "failed": result.failed,
        "dead": result.dead,
    }
