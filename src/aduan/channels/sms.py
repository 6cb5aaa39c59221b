"""SMS gateway: the signed inbound webhook and the outbound client.

Inbound: ``POST /kanal/sms/``, form-encoded or JSON, with the sender, text and message id under
the field names ``ADUAN_SMS_FIELD_FROM/TEXT/ID``, signed with the hex HMAC-SHA256 of the raw
body (key ``ADUAN_SMS_SECRET``) in the header ``ADUAN_SMS_SIGNATURE_HEADER``.
Outbound: ``POST ADUAN_SMS_API_URL`` with ``Authorization: Bearer ADUAN_SMS_API_KEY`` and JSON
``{"to", "text", "reference", "sender"}``; the gateway answers ``{"id": …}`` and sends a
``reference`` only once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from aduan.channels import transport
from aduan.channels.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetryableDeliveryError,
    WebhookRejected,
)
from aduan.complaints.services import normalize_phone
from aduan.core.errors import InvalidInput

__all__ = [
    "DeliveryError",
    "PermanentDeliveryError",
    "RetryableDeliveryError",
    "parse_inbound",
    "send_sms",
    "signature_valid",
]

SERVICE = "SMS gateway"
MAX_TEXT = 1600  # ten concatenated parts


def signature_valid(body: bytes, header: str | None) -> bool:
    return transport.signature_matches(
        secret=settings.ADUAN_SMS_SECRET, body=body, given=header or ""
    )


def send_sms(*, to: str, body: str, reference: str) -> str:
    """Send an SMS; ``reference`` is our idempotency key (the gateway sends it once).
    Returns the gateway's message id. Raises :class:`RetryableDeliveryError` (timeout, 429,
    5xx) or :class:`PermanentDeliveryError` (other 4xx, not configured)."""
    if not settings.ADUAN_SMS_API_URL or not settings.ADUAN_SMS_API_KEY:
        raise PermanentDeliveryError(f"{SERVICE}: not configured (ADUAN_SMS_API_URL, API key)")
    payload = {"to": to, "text": body[:MAX_TEXT], "reference": reference}
    if settings.ADUAN_SMS_SENDER:
        payload["sender"] = settings.ADUAN_SMS_SENDER
    response = transport.request(
        "POST",
        settings.ADUAN_SMS_API_URL,
        service=SERVICE,
        headers={"Authorization": f"Bearer {settings.ADUAN_SMS_API_KEY}"},
        json=payload,
    )
    data = transport.json_of(response, SERVICE)
    if not data.get("id"):
        raise PermanentDeliveryError(f"{SERVICE}: no message id in {data!r:.200}")
    return str(data["id"])


def parse_inbound(body: bytes, content_type: str) -> dict[str, str]:
    """The sender (normalized phone), text and id of an inbound SMS; 400 when malformed."""
    fields: dict[str, Any]
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            fields = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected(400, "the body is not JSON") from None
        if not isinstance(fields, dict):
            raise WebhookRejected(400, "the body is not a JSON object")
    else:
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected(400, "the body is not a valid form") from None
        fields = {key: values[-1] for key, values in parsed.items()}
    values = {}
    for name, key in (
        ("from", settings.ADUAN_SMS_FIELD_FROM),
        ("text", settings.ADUAN_SMS_FIELD_TEXT),
        ("id", settings.ADUAN_SMS_FIELD_ID),
    ):
        if key not in fields:
            raise WebhookRejected(400, f"missing field “{key}”")
        value = fields[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise WebhookRejected(400, f"field “{key}” must be text, not {type(value).__name__}")
        if name != "text" and not value.strip():
            raise WebhookRejected(400, f"field “{key}” is empty")
        values[name] = value.strip() if name != "text" else value
    try:
        values["from"] = normalize_phone(values["from"])
    except InvalidInput:
        raise WebhookRejected(
            400, f"“{settings.ADUAN_SMS_FIELD_FROM}” is not a phone number"
        ) from None
    if len(values["text"]) > MAX_TEXT:
        raise WebhookRejected(400, "the text is too long")
    return values
