"""WhatsApp Cloud API (Meta Graph API): the inbound webhook format and the outbound client.

Inbound: Meta sends ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {"metadata": …, "contacts": […], "messages": […], "statuses": […]}}]}]}``,
signed with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, key = app secret>``.
Outbound: ``POST {base}/{version}/{phone-number-id}/messages`` with a Bearer token; media by
``GET {base}/{version}/{media-id}`` (JSON with a short-lived ``url``), then ``GET url`` with the
same token.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from aduan.channels import transport
from aduan.channels.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetryableDeliveryError,
    WebhookRejected,
)

__all__ = [
    "DeliveryError",
    "MediaRejected",
    "PermanentDeliveryError",
    "RetryableDeliveryError",
    "fetch_media",
    "parse_webhook",
    "send_text",
    "signature_valid",
]

SERVICE = "WhatsApp Cloud API"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# Message types the conversation understands; others get a polite "text please" reply.
KNOWN_TYPES = {"text", "image", "document", "location", "interactive", "button"}
MEDIA_ID_RE = re.compile(r"[0-9A-Za-z_-]{1,128}")


class MediaRejected(Exception):
    """A media file the person sent that we do not take (too large, wrong type)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "too_large" or "type"
        super().__init__(reason)


def _url(*parts: str) -> str:
    base = settings.ADUAN_WHATSAPP_API_BASE.rstrip("/")
    return "/".join([base, settings.ADUAN_WHATSAPP_API_VERSION.strip("/"), *parts])


def _auth() -> dict[str, str]:
    token = settings.ADUAN_WHATSAPP_ACCESS_TOKEN
    if not token or not settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID:
        raise PermanentDeliveryError(f"{SERVICE}: not configured (access token, phone number ID)")
    return {"Authorization": f"Bearer {token}"}


def signature_valid(body: bytes, header: str | None) -> bool:
    return transport.signature_matches(
        secret=settings.ADUAN_WHATSAPP_APP_SECRET, body=body, given=header or "", prefix="sha256="
    )


def send_text(*, to: str, body: str) -> str:
    """Send a text message; returns the provider's message id (``wamid.…``).

    Raises :class:`RetryableDeliveryError` (timeout, 429, 5xx) or
    :class:`PermanentDeliveryError` (other 4xx, not configured)."""
    recipient = to.strip().lstrip("+")
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        "type": "text",
        "text": {"preview_url": False, "body": body[:4096]},
    }
    response = transport.request(
        "POST",
        _url(settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID, "messages"),
        service=SERVICE,
        headers=_auth(),
        json=payload,
    )
    data = transport.json_of(response, SERVICE)
    try:
        return str(data["messages"][0]["id"])
    except (KeyError, IndexError, TypeError):
        raise PermanentDeliveryError(f"{SERVICE}: no message id in {data!r:.200}") from None


def media_url_allowed(url: str) -> bool:
    """Whether we may send our access token to ``url``: HTTPS, or the configured API host
    itself (plain HTTP only there, e.g. a local simulator). Anything else (``http://`` to
    another host, ``file:``, cloud metadata addresses) would leak the token or reach inside."""
    try:
        parts = urlsplit(url)
        api = urlsplit(settings.ADUAN_WHATSAPP_API_BASE)
        same_origin = (parts.scheme, parts.hostname, parts.port) == (
            api.scheme,
            api.hostname,
            api.port,
        )
    except ValueError:
        return False
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return False
    return parts.scheme == "https" or same_origin


def fetch_media(media_id: str) -> tuple[bytes, str]:
    """Download a media file sent to us: its bytes and MIME type.

    Refuses (``MediaRejected``) what is larger than ``ADUAN_MAX_ATTACHMENT_BYTES`` (from the
    announced size and again while reading) or not an allowed attachment type. The media id
    must look like one (it becomes part of the API path) and the download URL must pass
    :func:`media_url_allowed` (the request carries our access token)."""
    limit = int(settings.ADUAN_MAX_ATTACHMENT_BYTES)
    if not MEDIA_ID_RE.fullmatch(media_id):
        raise PermanentDeliveryError(f"{SERVICE}: not a media id: {media_id!r:.80}")
    headers = _auth()
    meta = transport.json_of(
        transport.request("GET", _url(media_id), service=SERVICE, headers=headers), SERVICE
    )
    url = meta.get("url")
    if not isinstance(url, str) or not url:
        raise PermanentDeliveryError(f"{SERVICE}: no media URL for {media_id}")
    if not media_url_allowed(url):
        raise PermanentDeliveryError(f"{SERVICE}: media URL refused: {url!r:.200}")
    mime_type = str(meta.get("mime_type", "")).split(";")[0].strip().lower()
    if mime_type not in settings.ADUAN_ALLOWED_ATTACHMENT_TYPES:
        raise MediaRejected("type")
    try:
        announced = int(meta.get("file_size") or 0)
    except (TypeError, ValueError):
        announced = 0
    if announced > limit:
        raise MediaRejected("too_large")
    chunks: list[bytes] = []
    size = 0
    try:
        with transport.client().stream("GET", url, headers=headers) as response:
            transport.raise_for_response(response, SERVICE)
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise MediaRejected("too_large")
                chunks.append(chunk)
    except MediaRejected:
        raise
    except DeliveryError:
        raise
    except Exception as error:  # httpx transport errors
        raise RetryableDeliveryError(f"{SERVICE}: media download: {error}") from error
    return b"".join(chunks), mime_type


# --- inbound --------------------------------------------------------------------------------


@dataclass
class WebhookBatch:
    """What one webhook delivery carried: messages to process and delivery statuses."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise WebhookRejected(400, f"not a WhatsApp notification: {what}")


def parse_webhook(body: bytes) -> WebhookBatch:
    """Check the shape of a notification and return its messages, each with the sender's
    profile name added as ``_profile_name``. Anything malformed rejects the whole delivery
    (HTTP 400, nothing stored)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected(400, "the body is not JSON") from None
    _require(isinstance(data, dict), "not an object")
    _require(data.get("object") == "whatsapp_business_account", "object")
    entries = data.get("entry")
    _require(isinstance(entries, list), "entry")
    batch = WebhookBatch()
    for entry in entries:
        _require(isinstance(entry, dict) and isinstance(entry.get("changes"), list), "changes")
        for change in entry["changes"]:
            _require(isinstance(change, dict), "change")
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # other subscribed fields (account updates...) are not ours
            names = {}
            contacts = value.get("contacts") or []
            _require(isinstance(contacts, list), "contacts")
            for contact in contacts:
                _require(isinstance(contact, dict), "contacts")
                profile = contact.get("profile") or {}
                _require(isinstance(profile, dict), "contact profile")
                names[str(contact.get("wa_id", ""))] = str(profile.get("name", ""))[:200]
            messages = value.get("messages") or []
            _require(isinstance(messages, list), "messages")
            for message in messages:
                _require(isinstance(message, dict), "message")
                _require(isinstance(message.get("id"), str) and message["id"] != "", "message id")
                _require(
                    isinstance(message.get("from"), str) and message["from"].isdigit(),
                    "message from",
                )
                _require(isinstance(message.get("type"), str), "message type")
                kind = message["type"]
                if kind in KNOWN_TYPES:
                    _require(isinstance(message.get(kind), dict), f"{kind} body")
                batch.messages.append({**message, "_profile_name": names.get(message["from"], "")})
            statuses = value.get("statuses") or []
            _require(isinstance(statuses, list), "statuses")
            batch.statuses.extend(item for item in statuses if isinstance(item, dict))
    return batch


def interactive_reply(message: dict[str, Any]) -> tuple[str, str]:
    """(id, title) of a button or list reply, or of a quick-reply template button."""
    if message.get("type") == "button":
        button = _mapping(message.get("button"))
        return str(button.get("payload", "")), str(button.get("text", ""))
    interactive = _mapping(message.get("interactive"))
    reply = _mapping(interactive.get("button_reply") or interactive.get("list_reply"))
    return str(reply.get("id", "")), str(reply.get("title", ""))


def _mapping(value: Any) -> dict[str, Any]:
    """A part of a message that should be an object; anything else reads as empty."""
    return value if isinstance(value, dict) else {}
