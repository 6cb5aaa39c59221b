from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.notifications import fakes


@pytest.fixture(autouse=True)
def fake_senders(settings: Any) -> Iterator[list[dict[str, Any]]]:
    """WhatsApp and SMS go to tests/notifications/fakes.py; e-mail to Django's locmem outbox."""
    settings.ADUAN_NOTIFY_SENDERS = {
        "whatsapp": "tests.notifications.fakes.send_text",
        "sms": "tests.notifications.fakes.send_sms",
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ADUAN_SITE_URL = "https://aduan.example.org"
    fakes.SENT.clear()
    fakes.FAILURES.clear()
    yield fakes.SENT
    fakes.SENT.clear()
    fakes.FAILURES.clear()
