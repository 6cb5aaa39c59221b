"""An SMS gateway simulator (the generic contract of docs/channels.md) and a builder of its
signed inbound webhooks.

- ``POST /send`` with ``Authorization: Bearer <api_key>`` and JSON ``{"to", "text",
  "reference"}`` — sends a ``reference`` once: a repeat answers the first id and records
  nothing (``sent`` holds each message once); answers ``{"id": "sms-…"}``.
- ``fail_next(n, status=500)`` — the next ``n`` requests fail.
- ``inbound(sender, text, message_id, ...)`` — (raw body, headers) of a signed inbound SMS,
  form-encoded or JSON, with configurable field names.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

StartResponse = Callable[..., Any]


class SmsGatewaySimulator:
    def __init__(self, *, api_key: str = "test-sms-key", secret: str = "test-sms-secret") -> None:
        self.api_key = api_key
        self.secret = secret
        self.sent: list[dict[str, Any]] = []
        self.requests = 0
        self._by_reference: dict[str, str] = {}
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def settings_for(self, base_url: str) -> dict[str, str]:
        """The Django settings that point Aduan at this simulator served at ``base_url``."""
        return {
            "ADUAN_SMS_API_URL": f"{base_url}/send",
            "ADUAN_SMS_API_KEY": self.api_key,
            "ADUAN_SMS_SECRET": self.secret,
        }

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def texts_to(self, phone: str) -> list[str]:
        return [item["text"] for item in self.sent if item["to"] == phone]

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (secret if secret is not None else self.secret).encode()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    def inbound(
        self,
        sender: str,
        text: str,
        message_id: str | None = None,
        *,
        as_json: bool = False,
        fields: tuple[str, str, str] = ("from", "text", "id"),
        header: str = "X-Signature",
    ) -> tuple[bytes, dict[str, str]]:
        values = {
            fields[0]: sender,
            fields[1]: text,
            fields[2]: message_id or f"in-{next(self._ids)}",
        }
        if as_json:
            body = json.dumps(values).encode()
            content_type = "application/json"
        else:
            body = urlencode(values).encode()
            content_type = "application/x-www-form-urlencoded"
        return body, {"Content-Type": content_type, header: self.sign(body)}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            self.requests += 1
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._json(start_response, failure, {"error": "temporarily unavailable"})
        if environ.get("PATH_INFO") != "/send" or environ["REQUEST_METHOD"] != "POST":
            return self._json(start_response, 404, {"error": "not found"})
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.api_key}":
            return self._json(start_response, 401, {"error": "invalid api key"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            payload = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return self._json(start_response, 400, {"error": "invalid JSON"})
        if not (
            isinstance(payload, dict)
            and all(
                isinstance(payload.get(key), str) and payload[key]
                for key in ("to", "text", "reference")
            )
        ):
            return self._json(start_response, 400, {"error": "to, text and reference required"})
        with self._lock:
            known = self._by_reference.get(payload["reference"])
            if known is None:
                known = f"sms-{next(self._ids):08d}"
                self._by_reference[payload["reference"]] = known
                self.sent.append({**payload, "id": known})
        return self._json(start_response, 200, {"id": known})

    def _json(self, start_response: StartResponse, status: int, data: Any) -> list[bytes]:
        body = json.dumps(data).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
