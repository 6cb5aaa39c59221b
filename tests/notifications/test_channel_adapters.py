"""Delivery through the real channel adapters (``aduan.channels.sms.send_sms`` and
``aduan.channels.whatsapp.send_text``) to the channel simulators over HTTP: the message arrives
with its reference, a 5xx is retried later, an unconfigured channel is a dead letter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from aduan.complaints import services
from aduan.complaints.models import Channel
from aduan.core import clock
from aduan.notifications import delivery
from aduan.notifications.models import Delivery
from tests.simulators.base import serve
from tests.simulators.sms import SmsGatewaySimulator
from tests.simulators.whatsapp import WhatsAppCloudSimulator
from tests.world import World, frozen_at, submit


@pytest.fixture
def real_senders(settings: Any) -> None:
    settings.ADUAN_NOTIFY_SENDERS = {
        "whatsapp": "aduan.channels.whatsapp.send_text",
        "sms": "aduan.channels.sms.send_sms",
    }


@pytest.fixture
def sms_gateway(settings: Any, real_senders: None) -> Iterator[SmsGatewaySimulator]:
    simulator = SmsGatewaySimulator()
    with serve(simulator) as url:
        settings.ADUAN_SMS_API_URL = f"{url}/send"
        settings.ADUAN_SMS_API_KEY = simulator.api_key
        yield simulator


@pytest.fixture
def whatsapp_api(settings: Any, real_senders: None) -> Iterator[WhatsAppCloudSimulator]:
    simulator = WhatsAppCloudSimulator()
    with serve(simulator) as url:
        settings.ADUAN_WHATSAPP_API_BASE = url
        settings.ADUAN_WHATSAPP_API_VERSION = simulator.version
        settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = simulator.phone_number_id
        settings.ADUAN_WHATSAPP_ACCESS_TOKEN = simulator.access_token
        yield simulator


def _guest(world: World, **kwargs: Any) -> Any:
    complaint = submit(
        world, actor=None, reporter_name="Tamu", reporter_phone="0812000111", **kwargs
    )
    if complaint.channel == Channel.WHATSAPP:
        # WhatsApp guests got their receipt from the conversation; the hold notice is theirs.
        services.complaint_hold(
            actor=world.coordinator, complaint=complaint, reason="Mohon lengkapi lokasinya."
        )
    return complaint


def test_sms_through_the_gateway_once_with_its_reference(
    world: World, sms_gateway: SmsGatewaySimulator
) -> None:
    complaint = _guest(world)
    delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    [message] = sms_gateway.sent
    assert (message["to"], message["reference"]) == ("+62812000111", row.reference)
    assert complaint.tracking_id in message["text"]
    assert (row.status, row.provider_reference) == ("sent", message["id"])
    # Resending the same delivery (a worker died before marking it sent) adds nothing.
    Delivery.objects.filter(pk=row.pk).update(
        status="sending", lease_expires_at=clock.now() - timedelta(seconds=1)
    )
    delivery.send_due()
    assert len(sms_gateway.sent) == 1
    assert sms_gateway.requests == 2


def test_gateway_errors_are_retried(world: World, sms_gateway: SmsGatewaySimulator) -> None:
    _guest(world)
    sms_gateway.fail_next(1, status=503)
    start = clock.now()
    with frozen_at(start):
        delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("pending", 1)
    with frozen_at(start + timedelta(minutes=5)):
        delivery.deliver()
    row.refresh_from_db()
    assert row.status == "sent"
    assert len(sms_gateway.sent) == 1


def test_whatsapp_through_the_cloud_api(world: World, whatsapp_api: WhatsAppCloudSimulator) -> None:
    complaint = _guest(world, channel=Channel.WHATSAPP)
    delivery.deliver()
    [text] = whatsapp_api.texts_to("62812000111")
    assert complaint.tracking_id in text
    assert Delivery.objects.get(channel="whatsapp").status == "sent"


def test_unconfigured_channel_is_a_dead_letter(
    world: World, settings: Any, real_senders: None
) -> None:
    settings.ADUAN_SMS_API_URL = ""
    _guest(world)
    delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("dead", 1)
    assert "not configured" in row.last_error
