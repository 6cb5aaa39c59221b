"""Inbound messages: record once, process once, reply once.

A webhook records each message (``inbound_record``, unique per channel and provider id) and
answers at once; ``tasks.process_inbound`` then runs the conversation and sends the replies.
``tasks.channels_retry`` picks up what a dead worker or a failed send left behind.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from aduan.channels import whatsapp
from aduan.channels.conversation import (
    Incoming,
    Photo,
    conversation_advance,
    conversation_wants_photo,
)
from aduan.channels.errors import DeliveryError
from aduan.channels.models import InboundMessage
from aduan.complaints.models import Channel
from aduan.core import clock

logger = logging.getLogger(__name__)

MAX_REPLY_ATTEMPTS = 5


def clean_text(value: str) -> str:
    """``value`` without NUL characters and lone surrogates, which no database column (and no
    PostgreSQL JSON value) can hold: a sender's stray byte must not fail the whole message."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean_json(value: Any) -> Any:
    """:func:`clean_text` applied to every string (keys too) of a JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value


def _provider_key(provider_id: str) -> str:
    """The stored id: as sent when it fits the column, else a digest (cutting it would make two
    different long ids look like one redelivered message)."""
    provider_id = clean_text(provider_id)
    if len(provider_id) <= 255:
        return provider_id
    return "sha256:" + hashlib.sha256(provider_id.encode()).hexdigest()


def inbound_record(
    *, channel: str, provider_id: str, address: str, payload: dict[str, Any]
) -> InboundMessage | None:
    """Store a received message; None when it was received before (a redelivery)."""
    key = _provider_key(provider_id)
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                channel=channel,
                provider_id=key,
                address=clean_text(address),
                payload=clean_json(payload),
                received_at=clock.now(),
            )
    except IntegrityError:
        if InboundMessage.objects.filter(channel=channel, provider_id=key).exists():
            return None
        raise


def _whatsapp_incoming(inbound: InboundMessage) -> Incoming:
    message = inbound.payload
    kind = message.get("type")
    base: dict[str, Any] = {
        "channel": Channel.WHATSAPP,
        "address": inbound.address,
        "profile_name": str(message.get("_profile_name", "")),
    }
    if kind == "text":
        return Incoming(**base, text=str((message.get("text") or {}).get("body", "")))
    if kind in ("interactive", "button"):
        choice, title = whatsapp.interactive_reply(message)
        return Incoming(**base, text=title, choice=choice.lower())
    if kind == "location":
        location = message.get("location") or {}
        label = " ".join(
            str(location.get(key) or "") for key in ("name", "address") if location.get(key)
        )
        return Incoming(
            **base, location=(location.get("latitude"), location.get("longitude"), label)
        )
    if kind in ("image", "document"):
        media = message.get(kind) or {}
        caption = str(media.get("caption", ""))
        if not conversation_wants_photo(channel=Channel.WHATSAPP, address=inbound.address):
            return Incoming(**base, text=caption)
        try:
            # Downloaded before any transaction opens: no lock is held while we wait.
            content, content_type = whatsapp.fetch_media(str(media.get("id", "")))
        except whatsapp.MediaRejected as rejected:
            return Incoming(**base, photo_problem=rejected.reason)
        except DeliveryError as error:
            logger.warning("WhatsApp media %s: %s", media.get("id"), error)
            return Incoming(**base, photo_problem="failed")
        return Incoming(**base, photo=Photo(content=content, content_type=content_type))
    return Incoming(**base, unsupported=True)


def _sms_incoming(inbound: InboundMessage) -> Incoming:
    return Incoming(
        channel=Channel.SMS,
        address=inbound.address,
        text=str(inbound.payload.get("text", "")),
        supports_photos=False,
    )


INCOMING_BUILDERS: dict[str, Callable[[InboundMessage], Incoming]] = {
    Channel.WHATSAPP: _whatsapp_incoming,
    Channel.SMS: _sms_incoming,
}


def inbound_process(inbound_id: int) -> InboundMessage | None:
    """Run the conversation for one recorded message (once), then send its replies."""
    inbound = InboundMessage.objects.filter(pk=inbound_id).first()
    if inbound is None:
        return None
    if inbound.processed_at is None:
        try:
            incoming = INCOMING_BUILDERS[inbound.channel](inbound)
            with transaction.atomic():
                locked = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
                if locked.processed_at is None:
                    locked.replies = conversation_advance(message=incoming)
                    locked.processed_at = clock.now()
                    locked.save(update_fields=["replies", "processed_at"])
                inbound = locked
        except Exception as error:
            # Counted, so a message that always fails stops being retried.
            InboundMessage.objects.filter(pk=inbound.pk).update(
                reply_attempts=F("reply_attempts") + 1, last_error=repr(error)[:2000]
            )
            raise
    inbound_reply(inbound)
    return inbound


def _sender(inbound: InboundMessage) -> Callable[[int, str], None]:
    if inbound.channel == Channel.WHATSAPP:
        return lambda _index, body: _ignore(whatsapp.send_text(to=inbound.address, body=body))
    if inbound.channel == Channel.SMS:
        from aduan.channels import sms

        return lambda index, body: _ignore(
            sms.send_sms(to=inbound.address, body=body, reference=f"reply-{inbound.pk}-{index}")
        )
    from aduan.channels import mail

    return lambda _index, body: mail.send_reply(inbound, body)


def _ignore(_value: Any) -> None:
    return None


def inbound_reply(inbound: InboundMessage) -> bool:
    """Send the replies not sent yet; True when all are out. A failure is recorded and left
    for ``channels_retry`` (a permanent one after the first attempt)."""
    if inbound.replied_at is not None or inbound.processed_at is None:
        return inbound.replied_at is not None
    send = _sender(inbound)
    replies = list(inbound.replies)
    while inbound.replies_sent < len(replies):
        index = inbound.replies_sent
        try:
            send(index, replies[index])
        except DeliveryError as error:
            inbound.reply_attempts += 1
            inbound.last_error = str(error)[:2000]
            if not error.retryable:
                inbound.reply_attempts = MAX_REPLY_ATTEMPTS
            inbound.save(update_fields=["reply_attempts", "last_error"])
            logger.warning("reply to %s failed: %s", inbound, error)
            return False
        inbound.replies_sent = index + 1
        inbound.save(update_fields=["replies_sent"])
    # The texts are not kept once sent: a receipt carries the guest's secret code, which is
    # stored nowhere else (only its hash), and must not sit readable in this table.
    inbound.replied_at = clock.now()
    inbound.replies = []
    inbound.save(update_fields=["replied_at", "replies"])
    return True
