"""Stand-ins for aduan.channels.whatsapp.send_text and aduan.channels.sms.send_sms (the settings
``ADUAN_NOTIFY_SENDERS`` point here in these tests), recording what they were given."""

from __future__ import annotations

from typing import Any

SENT: list[dict[str, Any]] = []
# Raise this (once per entry) instead of sending.
FAILURES: list[BaseException] = []


def _send(channel: str, **kwargs: Any) -> str:
    if FAILURES:
        raise FAILURES.pop(0)
    SENT.append({"channel": channel, **kwargs})
    return f"{channel}-{len(SENT)}"


def send_text(*, to: str, body: str) -> str:
    return _send("whatsapp", to=to, body=body)


def send_sms(*, to: str, body: str, reference: str) -> str:
    return _send("sms", to=to, body=body, reference=reference)
