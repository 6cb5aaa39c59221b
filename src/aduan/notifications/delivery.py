"""Delivering the outbox: fan-out to one ``Delivery`` per recipient and channel, then sending.

The guarantees, and how they are kept:

- *Nothing is lost.* An outbox row is marked fanned out in the transaction that writes its
  deliveries; a delivery is marked sent only after the provider accepted it. A worker that dies
  leaves rows that the next run picks up.
- *Once per event, recipient and channel.* Deliveries are unique on (outbox, recipient, channel).
  Before calling a provider a worker marks the row ``sending`` with a lease and an attempt id
  (committed), so no other worker touches it while the lease runs. In-app notifications are
  written in the transaction that marks the delivery sent: exactly once by construction.
- *A worker dying between "provider accepted" and "marked sent"* leaves a ``sending`` row whose
  lease expires. For channels in ``ADUAN_NOTIFY_RESEND_UNCONFIRMED`` (SMS, e-mail) the message is
  sent again with the same reference (SMS ``reference``, e-mail ``Message-ID``), which SMS gateways
  and mail stores use to drop the repeat. Other channels (WhatsApp's Cloud API has no idempotency
  key) go to the dead letters with a note, for an administrator to check before retrying.
- Retryable errors back off exponentially with jitter; permanent errors and the last attempt go
  to the dead letters (``Delivery.Status.DEAD``), listed in the Django admin.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import smtplib
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from aduan.core import clock
from aduan.notifications import messages, recipients
from aduan.notifications.models import (
    Delivery,
    DeliveryChannel,
    Notification,
    OutboxMessage,
)

logger = logging.getLogger(__name__)

# Test-only (ignored in production): the kill test sets this to a channel name; the worker then
# SIGKILLs itself right after that channel's provider accepted a message, before the delivery
# is marked sent.
CRASH_AFTER_SEND_ENV = "ADUAN_NOTIFY_TEST_CRASH_AFTER_SEND"


class PermanentDeliveryError(Exception):
    """Sending can never succeed (bad address, rejected content): no retry."""


def is_permanent(error: BaseException) -> bool:
    """Whether retrying ``error`` is pointless. Unknown errors are retried (up to the limit)."""
    if isinstance(error, PermanentDeliveryError) or getattr(error, "permanent", False):
        return True
    if getattr(error, "retryable", None) is False:
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return 400 <= status < 500 and status not in (408, 409, 425, 429)
    return isinstance(error, ValueError | TypeError)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: exponential, capped, with jitter (50-100 %)."""
    base = settings.ADUAN_NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    capped = min(base, settings.ADUAN_NOTIFY_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=capped * (0.5 + random.random() / 2))  # noqa: S311


def _locked(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Rows another worker holds are skipped on PostgreSQL; SQLite's IMMEDIATE transactions
    already let one writer in at a time."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


# --- fan-out -----------------------------------------------------------------------------------


def fan_out(*, limit: int | None = None) -> int:
    """Turn due outbox rows into deliveries. Returns how many outbox rows were handled."""
    limit = limit or settings.ADUAN_NOTIFY_BATCH
    handled = 0
    while handled < limit:
        with transaction.atomic():
            batch = list(
                _locked(
                    OutboxMessage.objects.filter(
                        status=OutboxMessage.Status.PENDING, available_at__lte=clock.now()
                    ).order_by("available_at", "id")
                )[: min(50, limit - handled)]
            )
            for message in batch:
                _fan_out_one(message)
        if not batch:
            break
        handled += len(batch)
    return handled


def _fan_out_one(message: OutboxMessage) -> None:
    now = clock.now()
    try:
        with transaction.atomic():
            rows = [
                Delivery(
                    outbox=message,
                    recipient_key=recipient.key,
                    user=recipient.user,
                    channel=channel,
                    address=address,
                    language=recipient.language,
                    via_tracking_id=recipient.via_tracking_id,
                    is_staff=recipient.staff,
                    next_attempt_at=now,
                    created_at=now,
                )
                for recipient in recipients.resolve(message)
                for channel, address in recipient.channels
            ]
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.SENT, sent_at=now, attempts=message.attempts + 1
            )
    except Exception as error:
        logger.exception("outbox message %s could not be fanned out", message.pk)
        attempts = message.attempts + 1
        failed = attempts >= settings.ADUAN_NOTIFY_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            available_at=message.available_at if failed else now + backoff(attempts),
        )


# --- sending -----------------------------------------------------------------------------------


def _render(delivery: Delivery, language: str | None = None) -> messages.Rendered:
    """The delivery's message, in its recipient's language or in ``language``."""
    outbox = delivery.outbox
    return messages.render(
        event=outbox.event,
        payload=outbox.payload,
        language=language or delivery.language,
        staff=delivery.is_staff,
        via_tracking_id=delivery.via_tracking_id,
        agency_name=outbox.agency.name if outbox.agency_id and outbox.agency else "",
    )


def in_language(notification: Notification, language: str) -> tuple[str, str]:
    """An in-app notification's title and text in ``language`` (the reader's, which may have
    changed since it was written), rendered again from its event; as it was written when the
    event is no longer kept."""
    delivery = notification.delivery
    if delivery is None or language == delivery.language:
        return notification.title, notification.body
    rendered = _render(delivery, language)
    return rendered.title, rendered.body


def message_id(delivery: Delivery) -> str:
    """A Message-ID that is the same on every attempt of one delivery."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "aduan.local"
    return f"<{delivery.reference}@{domain}>"


def email_timeout() -> float:
    """Seconds the mail server may take: ``EMAIL_TIMEOUT``, and never more than half the lease
    (Django's default is no timeout at all; a hung SMTP server would outlive the lease, and
    another worker would send the message a second time while the first still waits)."""
    half_lease = settings.ADUAN_NOTIFY_LEASE_SECONDS / 2
    configured = getattr(settings, "EMAIL_TIMEOUT", None)
    return min(float(configured), half_lease) if configured else half_lease


def send_email(delivery: Delivery, rendered: messages.Rendered) -> str:
    ident = message_id(delivery)
    email = EmailMessage(
        subject=rendered.title,
        body=messages.email_body(rendered, language=delivery.language),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers={"Message-ID": ident, "X-Aduan-Reference": delivery.reference},
        connection=get_connection(timeout=email_timeout()),
    )
    email.send(fail_silently=False)
    return ident


def _sender(channel: str) -> Callable[..., str]:
    # Imported when used: the channel adapters are optional at start-up.
    return import_string(settings.ADUAN_NOTIFY_SENDERS[channel])


def send_whatsapp(delivery: Delivery, rendered: messages.Rendered) -> str:
    return str(_sender("whatsapp")(to=delivery.address, body=rendered.text()))


def send_sms(delivery: Delivery, rendered: messages.Rendered) -> str:
    return str(
        _sender("sms")(to=delivery.address, body=rendered.text(), reference=delivery.reference)
    )


TRANSPORTS: dict[str, Callable[[Delivery, messages.Rendered], str]] = {
    DeliveryChannel.EMAIL: send_email,
    DeliveryChannel.WHATSAPP: send_whatsapp,
    DeliveryChannel.SMS: send_sms,
}


def _due() -> Q:
    now = clock.now()
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, lease_expires_at__lt=now
    )


SETTLED = "settled"


def _claim() -> tuple[Delivery, str] | str | None:
    """Take the next due delivery. Returns (delivery, attempt id) to send, ``SETTLED`` when the
    row was finished here (in-app, unconfirmed), None when nothing is due."""
    with transaction.atomic():
        delivery = (
            _locked(Delivery.objects.filter(_due()).order_by("next_attempt_at", "id"))
            .select_related("outbox")
            .first()
        )
        if delivery is None:
            return None
        now = clock.now()
        recovered = delivery.status == Delivery.Status.SENDING
        if recovered and (
            delivery.channel not in settings.ADUAN_NOTIFY_RESEND_UNCONFIRMED
            or delivery.attempts >= settings.ADUAN_NOTIFY_MAX_ATTEMPTS
        ):
            delivery.status = Delivery.Status.DEAD
            delivery.lease_expires_at = None
            delivery.last_error = (
                "unconfirmed: the worker stopped after handing the message to the provider; "
                "check with the recipient or provider before retrying"
            )
            delivery.save(update_fields=["status", "lease_expires_at", "last_error"])
            return SETTLED
        delivery.attempts += 1
        if delivery.channel == DeliveryChannel.IN_APP:
            rendered = _render(delivery)
            if delivery.user_id is not None:
                Notification.objects.create(
                    user_id=delivery.user_id,
                    delivery=delivery,
                    title=rendered.title[:200],
                    body=rendered.body,
                    link=rendered.link,
                    created_at=now,
                )
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = now
            delivery.save(update_fields=["status", "sent_at", "attempts"])
            return SETTLED
        attempt = uuid.uuid4().hex
        delivery.status = Delivery.Status.SENDING
        delivery.attempt_id = attempt
        delivery.lease_expires_at = now + timedelta(seconds=settings.ADUAN_NOTIFY_LEASE_SECONDS)
        delivery.save(update_fields=["status", "attempt_id", "lease_expires_at", "attempts"])
        return delivery, attempt


def _send(delivery: Delivery, attempt: str) -> str:
    """Hand one claimed delivery to its provider and record the outcome."""
    try:
        rendered = _render(delivery)
        reference = TRANSPORTS[delivery.channel](delivery, rendered)
    except Exception as error:
        now = clock.now()
        permanent = is_permanent(error)
        dead = permanent or delivery.attempts >= settings.ADUAN_NOTIFY_MAX_ATTEMPTS
        text = f"{type(error).__name__}: {error}"[:2000]
        Delivery.objects.filter(pk=delivery.pk, attempt_id=attempt).update(
            status=Delivery.Status.DEAD if dead else Delivery.Status.PENDING,
            next_attempt_at=now if dead else now + backoff(delivery.attempts),
            lease_expires_at=None,
            last_error=text,
        )
        logger.warning(
            "delivery %s failed (%s): %s", delivery.pk, "dead" if dead else "retry", text
        )
        return "dead" if dead else "retry"
    if not settings.PRODUCTION and os.environ.get(CRASH_AFTER_SEND_ENV) == delivery.channel:
        os.kill(os.getpid(), signal.SIGKILL)
    updated = Delivery.objects.filter(
        pk=delivery.pk, attempt_id=attempt, status=Delivery.Status.SENDING
    ).update(
        status=Delivery.Status.SENT,
        sent_at=clock.now(),
        lease_expires_at=None,
        provider_reference=str(reference)[:200],
        last_error="",
    )
    if not updated:
        # Our lease ran out and another worker took the row over; it resends with the same
        # reference, so the provider drops one of the two.
        logger.warning("delivery %s: lease lost before it was marked sent", delivery.pk)
    return "sent"


def send_due(*, limit: int | None = None, seconds: float | None = None) -> Counter[str]:
    """Send due deliveries until none is due, ``limit`` were handled or ``seconds`` passed."""
    limit = limit or settings.ADUAN_NOTIFY_BATCH
    stop_at = time.monotonic() + (seconds if seconds is not None else 60)
    outcome: Counter[str] = Counter()
    while sum(outcome.values()) < limit and time.monotonic() < stop_at:
        claimed = _claim()
        if claimed is None:
            break
        if not isinstance(claimed, tuple):
            outcome[claimed] += 1
            continue
        delivery, attempt = claimed
        outcome[_send(delivery, attempt)] += 1
    return outcome


def deliver(*, limit: int | None = None, seconds: float | None = None) -> dict[str, int]:
    """One delivery pass: fan out the outbox, then send what is due."""
    fanned = fan_out(limit=limit)
    outcome = send_due(limit=limit, seconds=seconds)
    return {"fanned_out": fanned, **outcome}
