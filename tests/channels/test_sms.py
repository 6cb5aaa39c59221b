"""SMS gateway: signed inbound webhook (form or JSON, configurable field names), the
conversation over SMS, and the outbound client deduplicated by reference."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aduan.channels import sms
from aduan.channels.errors import PermanentDeliveryError, RetryableDeliveryError
from aduan.channels.models import Conversation, InboundMessage
from aduan.complaints import selectors
from aduan.complaints.models import Channel, Complaint
from tests.channels.conftest import as_json
from tests.simulators.sms import SmsGatewaySimulator

pytestmark = pytest.mark.django_db

PHONE = "081277778888"
NORMALIZED = "+6281277778888"


def replies(gateway: SmsGatewaySimulator) -> list[str]:
    """Our answers to the sender (reference ``reply-…``); the notifications of the outbox
    (e.g. "report received") go through the same gateway with their own references."""
    return [
        item["text"]
        for item in gateway.sent
        if item["to"] == NORMALIZED and item["reference"].startswith("reply-")
    ]


@pytest.fixture
def texter(
    client: Any, sms_gateway: SmsGatewaySimulator, django_capture_on_commit_callbacks: Any
) -> Any:
    def send(text: str, message_id: str | None = None, **options: Any) -> Any:
        body, headers = sms_gateway.inbound(PHONE, text, message_id, **options)
        content_type = headers.pop("Content-Type")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/kanal/sms/", body, content_type=content_type, headers=headers)

    return send


def test_one_message_report_then_yes(texter: Any, sms_gateway: SmsGatewaySimulator) -> None:
    response = texter("LAPOR Lampu lalu lintas mati di simpang Jati sejak kemarin#Simpang Jati")
    assert response.status_code == 200 and as_json(response)["received"] == 1
    confirm = replies(sms_gateway)
    assert len(confirm) == 1 and "Simpang Jati" in confirm[0]
    texter("ya")
    reply = replies(sms_gateway)[-1]
    complaint = Complaint.objects.get()
    assert complaint.tracking_id in reply
    assert complaint.channel == Channel.SMS
    assert complaint.reporter_phone == NORMALIZED
    assert complaint.address_text == "Simpang Jati"
    secret = re.search(r"\b([0-9A-Z]{12})\b", reply.replace(complaint.tracking_id, ""))
    assert secret is not None
    assert selectors.complaint_for_guest(complaint.tracking_id, secret.group(1))[0] == complaint


def test_step_by_step_over_sms_skips_the_photo(
    texter: Any, sms_gateway: SmsGatewaySimulator
) -> None:
    texter("halo")
    texter("3")
    texter("Bagaimana cara mengurus izin usaha mikro di kota Padang?")
    texter("Kota Padang")
    assert Conversation.objects.get().step == "confirm"  # no photo question over SMS
    texter("ya")
    complaint = Complaint.objects.get()
    assert complaint.kind == "information_request"
    assert len(replies(sms_gateway)) == 5


def test_json_body_and_configured_field_names(
    texter: Any, settings: Any, sms_gateway: SmsGatewaySimulator
) -> None:
    settings.ADUAN_SMS_FIELD_FROM = "msisdn"
    settings.ADUAN_SMS_FIELD_TEXT = "message"
    settings.ADUAN_SMS_FIELD_ID = "message_id"
    settings.ADUAN_SMS_SIGNATURE_HEADER = "X-Gateway-Signature"
    response = texter(
        "halo",
        "gw-1",
        as_json=True,
        fields=("msisdn", "message", "message_id"),
        header="X-Gateway-Signature",
    )
    assert response.status_code == 200
    assert InboundMessage.objects.get().provider_id == "gw-1"
    assert len(replies(sms_gateway)) == 1


def test_redelivered_sms_is_processed_once(texter: Any, sms_gateway: SmsGatewaySimulator) -> None:
    assert as_json(texter("halo", "gw-7")) == {"received": 1, "duplicate": False}
    assert as_json(texter("halo", "gw-7")) == {"received": 0, "duplicate": True}
    assert InboundMessage.objects.count() == 1
    assert len(sms_gateway.sent) == 1


@pytest.mark.parametrize("signature", [None, "", "00" * 32])
def test_bad_signature_is_403(
    client: Any, sms_gateway: SmsGatewaySimulator, signature: str | None
) -> None:
    body, headers = sms_gateway.inbound(PHONE, "halo")
    headers.pop("X-Signature")
    if signature is not None:
        headers["X-Signature"] = signature
    content_type = headers.pop("Content-Type")
    response = client.post("/kanal/sms/", body, content_type=content_type, headers=headers)
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0 and sms_gateway.sent == []


def test_no_secret_configured_refuses_everything(
    client: Any, settings: Any, sms_gateway: SmsGatewaySimulator
) -> None:
    body, headers = sms_gateway.inbound(PHONE, "halo")
    settings.ADUAN_SMS_SECRET = ""
    content_type = headers.pop("Content-Type")
    assert (
        client.post("/kanal/sms/", body, content_type=content_type, headers=headers).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{broken", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"from": "081277778888", "text": "halo"}', "application/json"),  # no id
        (b'{"from": "", "text": "halo", "id": "1"}', "application/json"),
        (b'{"from": "not a phone", "text": "halo", "id": "1"}', "application/json"),
        (b'{"from": "081277778888", "text": ["x"], "id": "1"}', "application/json"),
        (b"from=081277778888&id=1", "application/x-www-form-urlencoded"),  # no text
        (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
        (b"", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_sms_is_400(
    client: Any, sms_gateway: SmsGatewaySimulator, body: bytes, content_type: str
) -> None:
    headers = {"X-Signature": sms_gateway.sign(body)}
    response = client.post("/kanal/sms/", body, content_type=content_type, headers=headers)
    assert response.status_code == 400, response.content
    assert InboundMessage.objects.count() == 0 and sms_gateway.sent == []


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"from": "081277778888", "id": "7"}', "missing field"),
        (b'{"from": "081277778888", "id": "7", "text": null}', "must be text, not NoneType"),
        (b'{"from": " ", "id": "7", "text": "LAPOR"}', "is empty"),
    ],
)
def test_a_refused_sms_says_which_field_and_why(
    client: Any, sms_gateway: SmsGatewaySimulator, body: bytes, said: str
) -> None:
    headers = {"X-Signature": sms_gateway.sign(body)}
    response = client.post("/kanal/sms/", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and said in response.content.decode()


def test_status_query_by_sms(texter: Any, sms_gateway: SmsGatewaySimulator, world: Any) -> None:
    from tests.world import submit

    mine = submit(world, actor=None, reporter_name="Ani", reporter_phone=PHONE)
    theirs = submit(world)
    texter(f"STATUS {mine.tracking_id}")
    texter(f"status {theirs.tracking_id}")
    own_reply, other_reply = replies(sms_gateway)
    assert mine.tracking_id in own_reply and own_reply != other_reply
    assert theirs.tracking_id in other_reply
    assert Complaint.objects.get(pk=theirs.pk).reporter_phone not in other_reply


def test_send_sms_deduplicates_on_reference(sms_gateway: SmsGatewaySimulator) -> None:
    first = sms.send_sms(to="+6281277778888", body="Halo", reference="notif-1")
    again = sms.send_sms(to="+6281277778888", body="Halo", reference="notif-1")
    assert first == again
    assert [item["reference"] for item in sms_gateway.sent] == ["notif-1"]


def test_send_sms_errors(sms_gateway: SmsGatewaySimulator, settings: Any) -> None:
    sms_gateway.fail_next(1, status=502)
    with pytest.raises(RetryableDeliveryError):
        sms.send_sms(to="+6281277778888", body="Halo", reference="r1")
    settings.ADUAN_SMS_API_KEY = "wrong"
    with pytest.raises(PermanentDeliveryError) as caught:
        sms.send_sms(to="+6281277778888", body="Halo", reference="r1")
    assert caught.value.status == 401
    settings.ADUAN_SMS_API_URL = ""
    with pytest.raises(PermanentDeliveryError):
        sms.send_sms(to="+6281277778888", body="Halo", reference="r1")
    assert sms_gateway.sent == []


def test_reply_references_make_a_retried_reply_go_out_once(
    texter: Any, sms_gateway: SmsGatewaySimulator
) -> None:
    from aduan.channels.inbound import inbound_reply

    texter("halo")
    inbound = InboundMessage.objects.get()
    # A worker that died after the gateway accepted the reply but before it was marked sent.
    InboundMessage.objects.filter(pk=inbound.pk).update(replied_at=None, replies_sent=0)
    inbound.refresh_from_db()
    assert inbound_reply(inbound)
    assert len(sms_gateway.sent) == 1


def test_retry_command_prints_counts(capsys: Any) -> None:
    from django.core.management import call_command

    call_command("channels", "retry")
    assert capsys.readouterr().out.split() == [
        "expired_conversations",
        "0",
        "failed",
        "0",
        "retried",
        "0",
    ]
