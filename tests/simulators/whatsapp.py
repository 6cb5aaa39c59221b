"""A WhatsApp Cloud API (Meta Graph API) simulator and a builder of Meta's signed webhooks.

Serve it with ``tests.simulators.base.serve(sim)`` and apply ``sim.settings_for(base_url)`` (points
``ADUAN_WHATSAPP_*`` at it). What it implements, with Meta's URLs, headers and payloads:

- ``POST /{version}/{phone-number-id}/messages`` — checks ``Authorization: Bearer <token>`` and
  the text-message shape; records each in ``sent``; answers
  ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid.…"}]}``.
- ``GET /{version}/{media-id}`` — ``{"url", "mime_type", "sha256", "file_size", "id",
  "messaging_product"}`` for media added with ``add_media``.
- ``GET /media/{media-id}`` (the ``url`` above) — the bytes, Bearer token required.
- ``fail_next(n, status=500)`` — the next ``n`` requests fail with Meta's error body.

Inbound: ``text_message``/``image_message``/``location_message``/``interactive_message``
build ``messages[]`` items, ``notification(messages, statuses)`` the whole body, and
``signed(payload)`` the raw body with its ``X-Hub-Signature-256`` header, signed like Meta.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class WhatsAppCloudSimulator:
    def __init__(
        self,
        *,
        version: str = "v23.0",
        phone_number_id: str = "106540352242922",
        access_token: str = "test-access-token",
        app_secret: str = "test-app-secret",
        business_account_id: str = "102290129340398",
        display_phone_number: str = "6281100000000",
    ) -> None:
        self.version = version
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.app_secret = app_secret
        self.business_account_id = business_account_id
        self.display_phone_number = display_phone_number
        self.sent: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.media: dict[str, tuple[bytes, str, int | None]] = {}
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # --- test controls --------------------------------------------------------------------

    def settings_for(self, base_url: str) -> dict[str, str]:
        """The Django settings that point Aduan at this simulator served at ``base_url``."""
        return {
            "ADUAN_WHATSAPP_API_BASE": base_url,
            "ADUAN_WHATSAPP_API_VERSION": self.version,
            "ADUAN_WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "ADUAN_WHATSAPP_ACCESS_TOKEN": self.access_token,
            "ADUAN_WHATSAPP_APP_SECRET": self.app_secret,
        }

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """The next ``count`` requests (any endpoint) fail with ``status``."""
        with self._lock:
            self._failures.extend([status] * count)

    def add_media(
        self, content: bytes, *, mime_type: str = "image/jpeg", file_size: int | None = None
    ) -> str:
        """Make a media file downloadable; returns its media id. ``file_size`` overrides the
        announced size (to test a sender that lies)."""
        media_id = str(900000000000000 + next(self._ids))
        self.media[media_id] = (content, mime_type, file_size)
        return media_id

    def texts_to(self, wa_id: str) -> list[str]:
        return [item["text"]["body"] for item in self.sent if item["to"] == wa_id]

    # --- inbound builders -------------------------------------------------------------------

    def _message(
        self, sender: str, kind: str, body: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        return {
            "from": sender,
            "id": extra.pop("id", None) or f"wamid.HBgN{sender}{next(self._ids):012d}==",
            "timestamp": str(int(time.time())),
            "type": kind,
            kind: body,
            **extra,
        }

    def text_message(self, sender: str, text: str, **extra: Any) -> dict[str, Any]:
        return self._message(sender, "text", {"body": text}, **extra)

    def image_message(
        self, sender: str, media_id: str, *, caption: str = "", **extra: Any
    ) -> dict[str, Any]:
        content, mime_type, _size = self.media.get(media_id, (b"", "image/jpeg", None))
        body = {
            "mime_type": mime_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "id": media_id,
        }
        if caption:
            body["caption"] = caption
        return self._message(sender, "image", body, **extra)

    def location_message(
        self,
        sender: str,
        latitude: Any,
        longitude: Any,
        *,
        name: str = "",
        address: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            body["name"] = name
        if address:
            body["address"] = address
        return self._message(sender, "location", body, **extra)

    def interactive_message(
        self, sender: str, reply_id: str, title: str, **extra: Any
    ) -> dict[str, Any]:
        body = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
        return self._message(sender, "interactive", body, **extra)

    def notification(
        self,
        messages: Iterable[dict[str, Any]] = (),
        *,
        statuses: Iterable[dict[str, Any]] = (),
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A whole webhook body as Meta sends it (one entry, one ``messages`` change)."""
        messages = list(messages)
        value: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number,
                "phone_number_id": self.phone_number_id,
            },
        }
        if messages:
            senders = dict.fromkeys(item["from"] for item in messages)
            value["contacts"] = [
                {"profile": {"name": (names or {}).get(wa_id, "Warga")}, "wa_id": wa_id}
                for wa_id in senders
            ]
            value["messages"] = messages
        if statuses:
            value["statuses"] = list(statuses)
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": self.business_account_id, "changes": [{"value": value, "field": "messages"}]}
            ],
        }

    def status_update(
        self, message_id: str, recipient: str, status: str = "delivered"
    ) -> dict[str, Any]:
        return {
            "id": message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": recipient,
        }

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (secret if secret is not None else self.app_secret).encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    def signed(self, payload: dict[str, Any] | bytes) -> tuple[bytes, dict[str, str]]:
        """(raw body, headers) exactly as Meta posts them."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return body, {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": self.sign(body),
        }

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        with self._lock:
            self.requests.append((method, path))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._error(start_response, failure, "Service temporarily unavailable", 2)
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.access_token}":
            return self._error(
                start_response, 401, "Error validating access token", 190, "OAuthException"
            )
        parts = [part for part in path.split("/") if part]
        if parts[:1] == ["media"] and len(parts) == 2 and method == "GET":
            return self._download(start_response, parts[1])
        if len(parts) >= 2 and parts[0] != self.version:
            return self._error(start_response, 400, "Unknown version", 2500)
        if len(parts) == 3 and parts[2] == "messages" and method == "POST":
            if parts[1] != self.phone_number_id:
                return self._error(start_response, 400, "Unknown phone number id", 100)
            return self._send(environ, start_response)
        if len(parts) == 2 and method == "GET":
            return self._media_meta(environ, start_response, parts[1])
        return self._error(start_response, 404, "Unknown path", 803)

    def _json(self, start_response: StartResponse, status: int, data: Any) -> list[bytes]:
        body = json.dumps(data).encode()
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(
            status, "Error"
        )
        start_response(
            f"{status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _error(
        self,
        start_response: StartResponse,
        status: int,
        message: str,
        code: int,
        kind: str = "OAuthException",
    ) -> list[bytes]:
        return self._json(
            start_response,
            status,
            {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}},
        )

    def _send(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            payload = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return self._error(start_response, 400, "Invalid JSON", 100)
        text = payload.get("text") if isinstance(payload, dict) else None
        valid = (
            isinstance(payload, dict)
            and payload.get("messaging_product") == "whatsapp"
            and isinstance(payload.get("to"), str)
            and payload["to"].isdigit()
            and payload.get("type") == "text"
            and isinstance(text, dict)
            and isinstance(text.get("body"), str)
            and 0 < len(text["body"]) <= 4096
        )
        if not valid:
            return self._error(start_response, 400, "(#100) Invalid parameter", 100)
        message_id = f"wamid.SIM{next(self._ids):016d}"
        with self._lock:
            self.sent.append({**payload, "id": message_id})
        return self._json(
            start_response,
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                "messages": [{"id": message_id}],
            },
        )

    def _media_meta(
        self, environ: Environ, start_response: StartResponse, media_id: str
    ) -> list[bytes]:
        if media_id not in self.media:
            return self._error(start_response, 404, "Unsupported get request", 100)
        content, mime_type, file_size = self.media[media_id]
        host = environ.get("HTTP_HOST", "127.0.0.1")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "phone_number_id" in query and query["phone_number_id"][0] != self.phone_number_id:
            return self._error(start_response, 400, "Media does not belong to the number", 100)
        return self._json(
            start_response,
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"http://{host}/media/{media_id}",
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": str(file_size if file_size is not None else len(content)),
                "id": media_id,
            },
        )

    def _download(self, start_response: StartResponse, media_id: str) -> list[bytes]:
        if media_id not in self.media:
            return self._error(start_response, 404, "Not found", 100)
        content, mime_type, _size = self.media[media_id]
        start_response(
            "200 OK", [("Content-Type", mime_type), ("Content-Length", str(len(content)))]
        )
        return [content]
