"""Fixtures of the channel tests: the simulators served over real HTTP on 127.0.0.1, the
settings pointing at them, and tasks run immediately (no worker in tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished

from tests.simulators.base import serve
from tests.simulators.sms import SmsGatewaySimulator
from tests.simulators.whatsapp import WhatsAppCloudSimulator

# A 1x1 PNG: real image bytes, so the content sniffing of attachments accepts it.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
WA_USER = "6281234567890"
WA_STRANGER = "6289999999999"


@pytest.fixture(autouse=True)
def channel_settings(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ADUAN_WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.ADUAN_SMS_SECRET = "test-sms-secret"
    settings.ADUAN_EMAIL_WEBHOOK_SECRET = "test-mail-secret"
    settings.ADUAN_CHANNEL_HTTP_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture(autouse=True)
def no_failed_tasks() -> Iterator[list[Any]]:
    """The immediate backend records a task's exception instead of raising it: fail the test."""
    failures: list[Any] = []

    def collect(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.status == TaskResultStatus.FAILED:
            failures.append(task_result)

    task_finished.connect(collect)
    yield failures
    task_finished.disconnect(collect)
    assert not failures, [error.traceback for result in failures for error in result.errors]


class _Switch:
    """One served WSGI app per session (stopping a server costs half a second), playing a
    fresh simulator in each test."""

    app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def _wa_server() -> Iterator[tuple[_Switch, str]]:
    switch = _Switch()
    with serve(switch) as base_url:
        yield switch, base_url


@pytest.fixture(scope="session")
def _sms_server() -> Iterator[tuple[_Switch, str]]:
    switch = _Switch()
    with serve(switch) as base_url:
        yield switch, base_url


@pytest.fixture
def wa(settings: Any, _wa_server: tuple[_Switch, str]) -> Iterator[WhatsAppCloudSimulator]:
    switch, base_url = _wa_server
    simulator = WhatsAppCloudSimulator()
    switch.app = simulator
    for name, value in simulator.settings_for(base_url).items():
        setattr(settings, name, value)
    yield simulator
    switch.app = None


@pytest.fixture
def sms_gateway(settings: Any, _sms_server: tuple[_Switch, str]) -> Iterator[SmsGatewaySimulator]:
    switch, base_url = _sms_server
    simulator = SmsGatewaySimulator(secret=settings.ADUAN_SMS_SECRET)
    switch.app = simulator
    for name, value in simulator.settings_for(base_url).items():
        setattr(settings, name, value)
    yield simulator
    switch.app = None


@dataclass
class WhatsAppUser:
    """Someone chatting with the service: each ``say`` is a signed webhook through the live
    URL; the replies are what the simulator received over HTTP."""

    client: Client
    sim: WhatsAppCloudSimulator
    number: str
    name: str = "Budi Santoso"
    capture: Any = None

    def post(self, payload: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> Any:
        body, signed_headers = self.sim.signed(payload)
        signed_headers.update(headers or {})
        with self.capture(execute=True):
            return self.client.post(
                "/kanal/whatsapp/",
                body,
                content_type="application/json",
                headers={k: v for k, v in signed_headers.items() if k != "Content-Type"},
            )

    def send(self, message: dict[str, Any]) -> list[str]:
        before = len(self.sim.texts_to(self.number))
        response = self.post(self.sim.notification([message], names={self.number: self.name}))
        assert response.status_code == 200, response.content
        return self.sim.texts_to(self.number)[before:]

    def say(self, text: str) -> list[str]:
        return self.send(self.sim.text_message(self.number, text))


@pytest.fixture
def whatsapp_user(
    wa: WhatsAppCloudSimulator, client: Client, django_capture_on_commit_callbacks: Any
) -> WhatsAppUser:
    return WhatsAppUser(client, wa, WA_USER, capture=django_capture_on_commit_callbacks)


@pytest.fixture
def whatsapp_stranger(
    wa: WhatsAppCloudSimulator, client: Client, django_capture_on_commit_callbacks: Any
) -> WhatsAppUser:
    return WhatsAppUser(
        client, wa, WA_STRANGER, name="Orang Lain", capture=django_capture_on_commit_callbacks
    )


def as_json(response: Any) -> Any:
    return json.loads(response.content)
