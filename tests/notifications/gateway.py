"""An SMS gateway simulator that, like real gateways, drops a second message with a reference it
has already accepted (and answers with the first message's id); plus ``send_sms``, a client for
it that the worker under test uses through ``ADUAN_NOTIFY_SMS_SENDER``.

Run it with ``tests.simulators.base.serve(gateway)``; the client reads the base URL from
``ADUAN_TEST_SMS_GATEWAY_URL``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import httpx


class SmsGateway:
    """WSGI app: ``POST /messages`` with JSON ``{to, body, reference}``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, str]] = []
        self.delivered: dict[str, dict[str, str]] = {}  # reference -> message

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/messages":
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "not found"}']
        size = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(size))
        with self.lock:
            self.requests.append(data)
            message = self.delivered.get(data["reference"])
            if message is None:
                message = {**data, "id": f"msg-{len(self.delivered) + 1}"}
                self.delivered[data["reference"]] = message
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"id": message["id"]}).encode()]

    def received_by(self, phone: str) -> list[dict[str, str]]:
        return [m for m in self.delivered.values() if m["to"] == phone]


def send_sms(*, to: str, body: str, reference: str) -> str:
    response = httpx.post(
        f"{os.environ['ADUAN_TEST_SMS_GATEWAY_URL']}/messages",
        json={"to": to, "body": body, "reference": reference},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["id"])
