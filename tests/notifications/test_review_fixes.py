"""Regressions found in review of notification delivery."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from aduan.notifications import delivery, messages


@pytest.fixture
def silent_smtp_server() -> Iterator[int]:
    """A mail server on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.mark.timeout(20)
def test_a_hung_mail_server_times_out_within_the_lease(
    settings: Any, silent_smtp_server: int
) -> None:
    """Django's SMTP backend waits forever by default; the delivery lease (here 2 s) would run
    out and a second worker would send the same message while the first still waits."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_smtp_server
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = None
    settings.ADUAN_NOTIFY_LEASE_SECONDS = 2
    assert delivery.email_timeout() == 1
    target: Any = SimpleNamespace(
        reference="aduan-delivery-1", address="a@example.org", language="id"
    )
    rendered = messages.Rendered(title="t", body="b", link="/")
    started = time.monotonic()
    with pytest.raises(OSError):  # socket timeout
        delivery.send_email(target, rendered)
    assert time.monotonic() - started < 1.9


def test_email_timeout_keeps_a_shorter_configured_one(settings: Any) -> None:
    settings.ADUAN_NOTIFY_LEASE_SECONDS = 120
    settings.EMAIL_TIMEOUT = 10
    assert delivery.email_timeout() == 10
    settings.EMAIL_TIMEOUT = 600
    assert delivery.email_timeout() == 60
