"""A client's webhook receiver, as a Super-App backend would run it: checks the
``X-Aduan-Signature`` HMAC of the body with the subscription secret, dedupes on
``X-Aduan-Event-Id``, and can fail the first attempts (HTTP 500) to exercise the retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WebhookReceiver:
    """WSGI app; ``secret`` is set once the subscription is created."""

    secret: str = ""
    fail_first: int = 0  # answer 500 to the first N attempts of each event
    always_fail: bool = False
    attempts: dict[str, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)  # unique events, in order
    bad_signatures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_X_ADUAN_SIGNATURE", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        event_id = environ.get("HTTP_X_ADUAN_EVENT_ID", "")
        with self._lock:
            if not hmac.compare_digest(signature, expected):
                self.bad_signatures += 1
                return self._answer(start_response, "401 Unauthorized")
            count = self.attempts[event_id] = self.attempts.get(event_id, 0) + 1
            if self.always_fail or count <= self.fail_first:
                return self._answer(start_response, "500 Internal Server Error")
            if all(item["id"] != event_id for item in self.accepted):
                self.accepted.append(json.loads(body))
        return self._answer(start_response, "204 No Content")

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: str) -> list[bytes]:
        start_response(status, [("Content-Length", "0")])
        return [b""]
