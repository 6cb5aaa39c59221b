"""WhatsApp Cloud API: the live webhook (signed like Meta), the conversation, media download
and replies through the simulator over real HTTP."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aduan.channels import whatsapp
from aduan.channels.errors import PermanentDeliveryError, RetryableDeliveryError
from aduan.channels.models import Conversation, InboundMessage
from aduan.complaints import selectors
from aduan.complaints.models import Attachment, Channel, Complaint, Kind
from tests.channels.conftest import PNG, WA_USER, WhatsAppUser, as_json
from tests.simulators.whatsapp import WhatsAppCloudSimulator

pytestmark = pytest.mark.django_db

TRACKING = re.compile(r"\b(SB-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
DESCRIPTION = "Jalan berlubang besar di depan Pasar Raya, sudah tiga minggu tidak diperbaiki."


def t(msgid: str, **params: Any) -> str:
    """A reply as the service renders it (Bahasa Indonesia), whatever the translation says."""
    with translation.override("id"):
        text = gettext(msgid)
    return text % params if params else text


def converse_to_confirm(user: WhatsAppUser, *, photo: bytes | None = None) -> list[str]:
    assert user.say("halo")  # the welcome and the kind question
    user.say("1")
    user.say(DESCRIPTION)
    replies = user.send(
        user.sim.location_message(user.number, -0.949, 100.354, name="Pasar Raya Padang")
    )
    assert replies == [t("Send a photo as evidence if you have one, or type “skip”.")]
    if photo is not None:
        media_id = user.sim.add_media(photo, mime_type="image/png")
        user.send(user.sim.image_message(user.number, media_id))
    return user.say("lewati")


def submitted_tracking_id(reply: str) -> tuple[str, str]:
    tracking = TRACKING.search(reply)
    secret = re.search(
        r"\b([0-9A-Z]{12})\b", reply.replace(tracking.group(1) if tracking else "", "")
    )
    assert tracking and secret, reply
    return tracking.group(1), secret.group(1)


# --- handshake and signature ------------------------------------------------------------------


def test_verification_handshake_echoes_the_challenge(client: Any) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    response = client.get("/kanal/whatsapp/", query)
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
)
def test_verification_handshake_refuses_a_wrong_token(client: Any, query: dict[str, str]) -> None:
    assert client.get("/kanal/whatsapp/", query).status_code == 403


def test_handshake_refused_when_no_verify_token_is_configured(client: Any, settings: Any) -> None:
    settings.ADUAN_WHATSAPP_VERIFY_TOKEN = ""
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get("/kanal/whatsapp/", query).status_code == 403


@pytest.mark.parametrize("signature", [None, "", "sha256=00", "sha1=abc", "wrong-secret"])
def test_bad_or_missing_signature_is_refused_and_stores_nothing(
    client: Any, wa: WhatsAppCloudSimulator, signature: str | None
) -> None:
    body = json.dumps(wa.notification([wa.text_message(WA_USER, "halo")])).encode()
    headers = {}
    if signature == "wrong-secret":
        headers["X-Hub-Signature-256"] = wa.sign(body, secret="not-the-app-secret")
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = client.post(
        "/kanal/whatsapp/", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert wa.sent == []


def test_a_signature_over_a_different_body_is_refused(
    client: Any, wa: WhatsAppCloudSimulator
) -> None:
    body, headers = wa.signed(wa.notification([wa.text_message(WA_USER, "halo")]))
    tampered = body.replace(b"halo", b"hal0")
    response = client.post(
        "/kanal/whatsapp/",
        tampered,
        content_type="application/json",
        headers={"X-Hub-Signature-256": headers["X-Hub-Signature-256"]},
    )
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"from": "6281234567890", "type": "text",'
        b' "text": {"body": "x"}}]}}]}]}',  # no message id
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"id": "wamid.1", "from": "+62 812", "type": "text",'
        b' "text": {"body": "x"}}]}}]}]}',  # sender is not a WhatsApp id
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"id": "wamid.1", "from": "6281234567890",'
        b' "type": "text"}]}}]}]}',  # no text body
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"id": "wamid.1", "from": "123", "type": "text",'
        b' "text": {"body": "x"}}]}}]}]}',  # too short for a phone number
    ],
)
def test_malformed_notifications_are_400_and_store_nothing(
    client: Any, wa: WhatsAppCloudSimulator, payload: bytes
) -> None:
    body, headers = wa.signed(payload)
    response = client.post(
        "/kanal/whatsapp/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": headers["X-Hub-Signature-256"]},
    )
    assert response.status_code == 400
    assert "error" in as_json(response)
    assert InboundMessage.objects.count() == 0
    assert wa.sent == []


def test_status_notifications_are_acknowledged(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    response = whatsapp_user.post(
        sim.notification(statuses=[sim.status_update("wamid.X", WA_USER, "read")])
    )
    assert response.status_code == 200
    assert as_json(response) == {"received": 0, "duplicates": 0, "statuses": 1}
    assert InboundMessage.objects.count() == 0


# --- the conversation -------------------------------------------------------------------------


def test_full_conversation_with_location_and_photo_creates_one_complaint(
    whatsapp_user: WhatsAppUser,
) -> None:
    sim = whatsapp_user.sim
    welcome = whatsapp_user.say("Halo, saya mau lapor")
    assert len(welcome) == 1 and "1." in welcome[0] and "3." in welcome[0]
    assert whatsapp_user.say("1") == [
        t(
            "Please describe it (at least %(min)d characters): what happened, when, and who is "
            "affected.",
            min=10,
        )
    ]
    assert whatsapp_user.say(DESCRIPTION) == [
        t("Where is it? Type the address or place, or share a location.")
    ]
    whatsapp_user.send(
        sim.location_message(WA_USER, -0.949123, 100.354321, name="Pasar Raya", address="Padang")
    )
    media_id = sim.add_media(PNG, mime_type="image/png")
    assert whatsapp_user.send(sim.image_message(WA_USER, media_id)) == [
        t("Photo received. Send another one or type “skip” to continue.")
    ]
    confirm = whatsapp_user.say("lewati")
    assert DESCRIPTION[:40] in confirm[0] and "Pasar Raya" in confirm[0]
    assert Complaint.objects.count() == 0  # nothing before "ya"
    done = whatsapp_user.say("ya")
    tracking_id, secret = submitted_tracking_id(done[0])

    complaint = Complaint.objects.get()
    assert complaint.tracking_id == tracking_id
    assert complaint.channel == Channel.WHATSAPP
    assert complaint.kind == Kind.COMPLAINT
    assert complaint.description == DESCRIPTION
    assert complaint.reporter_phone == "+6281234567890"
    assert complaint.reporter_name == "Budi Santoso"
    assert (complaint.latitude, complaint.longitude) == (
        Decimal("-0.949123"),
        Decimal("100.354321"),
    )
    assert complaint.address_text == "Pasar Raya Padang"
    attachment = Attachment.objects.get(complaint=complaint)
    assert attachment.content_type == "image/png" and attachment.from_reporter
    assert attachment.file.read() == PNG
    # The secret in the reply is the guest's real secret.
    found, _pass = selectors.complaint_for_guest(tracking_id, secret)
    assert found == complaint
    # The media was fetched the Cloud API way: metadata, then the URL, both with the token.
    assert ("GET", f"/{sim.version}/{media_id}") in sim.requests
    assert ("GET", f"/media/{media_id}") in sim.requests
    # The conversation is over; the pending photo file is gone.
    assert Conversation.objects.count() == 0
    assert InboundMessage.objects.filter(replied_at__isnull=True).count() == 0


def test_interactive_replies_and_a_typed_place_without_photo(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.send(sim.interactive_message(WA_USER, "kind:aspiration", "Aspirasi"))
    whatsapp_user.say("Mohon ditambah lampu jalan di sepanjang Jalan Khatib Sulaiman.")
    whatsapp_user.say("Jalan Khatib Sulaiman, Padang")
    whatsapp_user.say("skip")
    tracking_id, _secret = submitted_tracking_id(whatsapp_user.say("YA")[0])
    complaint = Complaint.objects.get(tracking_id=tracking_id)
    assert complaint.kind == Kind.ASPIRATION
    assert complaint.address_text == "Jalan Khatib Sulaiman, Padang"
    assert complaint.latitude is None and not complaint.attachments.exists()


def test_redelivered_webhook_is_processed_once(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    converse_to_confirm(whatsapp_user)
    yes = sim.notification([sim.text_message(WA_USER, "ya")])
    assert whatsapp_user.post(yes).status_code == 200
    sent = len(sim.sent)
    again = whatsapp_user.post(yes)
    assert again.status_code == 200
    assert as_json(again) == {"received": 0, "duplicates": 1, "statuses": 0}
    assert Complaint.objects.count() == 1
    assert len(sim.sent) == sent  # no second reply


def test_a_batch_with_a_known_and_a_new_message(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    first = sim.text_message(WA_USER, "halo")
    assert whatsapp_user.post(sim.notification([first])).status_code == 200
    second = sim.text_message(WA_USER, "2")
    response = whatsapp_user.post(sim.notification([first, second]))
    assert as_json(response) == {"received": 1, "duplicates": 1, "statuses": 0}
    assert Conversation.objects.get().step == "description"


def test_cancel_starts_over(whatsapp_user: WhatsAppUser) -> None:
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    assert whatsapp_user.say("batal") == [
        t("Your report was cancelled. Send any message to start again.")
    ]
    assert Conversation.objects.count() == 0
    whatsapp_user.say("halo")
    assert Conversation.objects.get().step == "kind"


def test_cancel_removes_a_pending_photo(whatsapp_user: WhatsAppUser, settings: Any) -> None:
    from pathlib import Path

    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    whatsapp_user.say("Jalan Sudirman")
    whatsapp_user.send(sim.image_message(WA_USER, sim.add_media(PNG, mime_type="image/png")))
    pending = list(Path(settings.MEDIA_ROOT, "channels/pending").iterdir())
    assert len(pending) == 1
    whatsapp_user.say("batal")
    assert not pending[0].exists()


def test_wrong_coordinates_are_refused_and_the_question_stays(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    invalid = t("The location is not valid. Please share it again or type the address.")
    for latitude, longitude in [(91, 100), (-0.9, 181), ("abc", 100), (None, None), ("NaN", 1)]:
        assert whatsapp_user.send(sim.location_message(WA_USER, latitude, longitude)) == [invalid]
    assert Conversation.objects.get().step == "place"


def test_oversized_photo_is_refused(whatsapp_user: WhatsAppUser, settings: Any) -> None:
    sim = whatsapp_user.sim
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    whatsapp_user.say("Jalan Sudirman")
    too_large = t(
        "The file is too large (at most %(limit)s MB). Send a smaller one or type “skip”.",
        limit="0",
    )
    big = PNG + b"\0" * 2000
    announced = sim.add_media(big, mime_type="image/png")
    assert whatsapp_user.send(sim.image_message(WA_USER, announced)) == [too_large]
    # A sender that announces a small size but sends more is cut off while downloading.
    lying = sim.add_media(big, mime_type="image/png", file_size=10)
    assert whatsapp_user.send(sim.image_message(WA_USER, lying)) == [too_large]
    assert ("GET", f"/media/{announced}") not in sim.requests
    assert Conversation.objects.get().data.get("photos", []) == []


def test_photo_of_a_wrong_type_is_refused(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    whatsapp_user.say("Jalan Sudirman")
    wrong_type = t(
        "Only photos (JPEG, PNG, GIF, WebP) or PDF files can be attached. Send another one "
        "or type “skip”."
    )
    announced_video = sim.add_media(b"\0\0\0\x18ftypmp42", mime_type="video/mp4")
    assert whatsapp_user.send(sim.image_message(WA_USER, announced_video)) == [wrong_type]
    # Bytes that are not an image whatever the label says.
    fake = sim.add_media(b"MZ\x90\x00 not really an image", mime_type="image/jpeg")
    assert whatsapp_user.send(sim.image_message(WA_USER, fake)) == [wrong_type]


def test_media_download_failure_asks_again(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    whatsapp_user.say("Jalan Sudirman")
    unknown = sim.image_message(WA_USER, "123456")  # the Cloud API does not know this media
    assert whatsapp_user.send(unknown) == [
        t("We could not download the file. Please send it again or type “skip”.")
    ]


def test_too_short_description_is_asked_again(whatsapp_user: WhatsAppUser) -> None:
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    replies = whatsapp_user.say("rusak")
    assert replies[0] == t(
        "The description must be %(min)d to %(max)d characters.", min=10, max=10000
    )
    assert Conversation.objects.get().step == "description"


def test_unknown_kind_and_unsupported_message_type(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    assert whatsapp_user.say("7")[0] == t("Please reply 1, 2 or 3.")
    sticker = sim._message(WA_USER, "sticker", {"id": "1", "mime_type": "image/webp"})
    assert whatsapp_user.send(sticker)[0] == t(
        "Sorry, only text messages, locations and photos can be read here."
    )


def test_english_switches_the_language(whatsapp_user: WhatsAppUser) -> None:
    whatsapp_user.say("halo")
    with translation.override("en"):
        expected = gettext("Please reply 1, 2 or 3.")
    whatsapp_user.say("english")
    assert Conversation.objects.get().data["language"] == "en"
    assert whatsapp_user.say("9")[0] == expected


# --- status queries ---------------------------------------------------------------------------


def test_status_query_answers_the_reporter_only(
    whatsapp_user: WhatsAppUser, whatsapp_stranger: WhatsAppUser
) -> None:
    converse_to_confirm(whatsapp_user)
    tracking_id, _secret = submitted_tracking_id(whatsapp_user.say("ya")[0])
    complaint = Complaint.objects.get()

    own = whatsapp_user.say(f"status {tracking_id.lower().replace('-', ' ')}")
    assert own == [
        t(
            "Report %(tracking_id)s: %(status)s (last change %(date)s).",
            tracking_id=tracking_id,
            status=t("Not yet verified"),
            date=_local(complaint.updated_at),
        )
    ]
    not_found = t(
        "We found no report %(tracking_id)s sent from this number or address.",
        tracking_id=tracking_id,
    )
    assert whatsapp_stranger.say(f"status {tracking_id}") == [not_found]
    assert whatsapp_stranger.say("status SB-AAAA-AAAA") == [
        t(
            "We found no report %(tracking_id)s sent from this number or address.",
            tracking_id="SB-AAAA-AAAA",
        )
    ]
    # A status query in the middle of a conversation leaves the step alone.
    whatsapp_stranger.say("halo")
    whatsapp_stranger.say(f"status {tracking_id}")
    assert Conversation.objects.get(address="+6289999999999").step == "kind"


def test_status_of_a_complaint_filed_on_the_web_with_the_same_number(
    whatsapp_user: WhatsAppUser, world: Any
) -> None:
    from tests.world import submit

    complaint = submit(world)  # world.reporter's phone is 081234567890 = +6281234567890
    reply = whatsapp_user.say(f"status {complaint.tracking_id}")
    assert complaint.tracking_id in reply[0]
    assert "found no" not in reply[0] and reply[0] != t(
        "We found no report %(tracking_id)s sent from this number or address.",
        tracking_id=complaint.tracking_id,
    )


def _local(moment: Any) -> str:
    from aduan.core.calendar import local_date

    return local_date(moment).strftime("%d-%m-%Y")


# --- idle conversations -----------------------------------------------------------------------


def test_an_idle_conversation_starts_over(whatsapp_user: WhatsAppUser) -> None:
    from datetime import timedelta

    from aduan.core import clock

    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    Conversation.objects.update(updated_at=clock.now() - timedelta(hours=25))
    replies = whatsapp_user.say(DESCRIPTION)
    assert "1." in replies[0]  # the welcome again, not the place question
    assert Conversation.objects.get().step == "kind"


# --- outbound client ----------------------------------------------------------------------------


def test_send_text_returns_the_message_id(wa: WhatsAppCloudSimulator) -> None:
    message_id = whatsapp.send_text(to="+6281234567890", body="Halo")
    assert message_id.startswith("wamid.")
    assert wa.sent == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281234567890",
            "type": "text",
            "text": {"preview_url": False, "body": "Halo"},
            "id": message_id,
        }
    ]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_send_text_server_errors_are_retryable(wa: WhatsAppCloudSimulator, status: int) -> None:
    wa.fail_next(1, status=status)
    with pytest.raises(RetryableDeliveryError) as caught:
        whatsapp.send_text(to="6281234567890", body="Halo")
    assert caught.value.retryable and caught.value.status == status
    assert whatsapp.send_text(to="6281234567890", body="Halo").startswith("wamid.")


def test_send_text_client_errors_are_permanent(wa: WhatsAppCloudSimulator, settings: Any) -> None:
    settings.ADUAN_WHATSAPP_ACCESS_TOKEN = "expired"
    with pytest.raises(PermanentDeliveryError) as caught:
        whatsapp.send_text(to="6281234567890", body="Halo")
    assert caught.value.status == 401 and not caught.value.retryable
    settings.ADUAN_WHATSAPP_ACCESS_TOKEN = wa.access_token
    with pytest.raises(PermanentDeliveryError):
        whatsapp.send_text(to="not-a-number", body="Halo")  # the API's 400
    assert wa.sent == []


def test_send_text_unreachable_or_unconfigured(settings: Any) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ADUAN_WHATSAPP_API_BASE = f"http://127.0.0.1:{port}"
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1"
    settings.ADUAN_WHATSAPP_ACCESS_TOKEN = "x"
    with pytest.raises(RetryableDeliveryError):
        whatsapp.send_text(to="6281234567890", body="Halo")
    settings.ADUAN_WHATSAPP_ACCESS_TOKEN = ""
    with pytest.raises(PermanentDeliveryError):
        whatsapp.send_text(to="6281234567890", body="Halo")


def test_a_failed_reply_is_sent_by_the_retry_job(whatsapp_user: WhatsAppUser) -> None:
    from datetime import timedelta

    from aduan.channels.tasks import channels_retry
    from aduan.core import clock

    sim = whatsapp_user.sim
    sim.fail_next(1, status=503)
    assert whatsapp_user.say("halo") == []  # the reply failed; the webhook still said 200
    inbound = InboundMessage.objects.get()
    assert inbound.processed_at is not None and inbound.replied_at is None
    assert inbound.reply_attempts == 1 and "503" in inbound.last_error
    InboundMessage.objects.update(received_at=clock.now() - timedelta(minutes=5))
    assert channels_retry.call()["retried"] == 1
    assert len(sim.texts_to(WA_USER)) == 1
    assert channels_retry.call()["retried"] == 0  # nothing left, nothing sent twice
    assert len(sim.texts_to(WA_USER)) == 1
    assert Conversation.objects.get().step == "kind"  # processed once


def test_a_message_left_unprocessed_is_picked_up(
    whatsapp_user: WhatsAppUser, settings: Any
) -> None:
    from datetime import timedelta

    from aduan.channels.tasks import channels_retry
    from aduan.core import clock

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert whatsapp_user.say("halo") == []  # queued, no worker ran it
    assert InboundMessage.objects.get().processed_at is None
    InboundMessage.objects.update(received_at=clock.now() - timedelta(minutes=5))
    channels_retry.call()
    assert len(whatsapp_user.sim.texts_to(WA_USER)) == 1
    assert Conversation.objects.get().step == "kind"


def test_a_message_that_keeps_failing_is_given_up(
    whatsapp_user: WhatsAppUser, settings: Any, monkeypatch: Any
) -> None:
    from datetime import timedelta

    from aduan.channels.inbound import MAX_REPLY_ATTEMPTS
    from aduan.channels.tasks import channels_retry
    from aduan.core import clock

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    whatsapp_user.say("halo")

    def broken(**kwargs: Any) -> list[str]:
        raise RuntimeError("bug")

    monkeypatch.setattr("aduan.channels.inbound.conversation_advance", broken)
    InboundMessage.objects.update(received_at=clock.now() - timedelta(minutes=5))
    for attempt in range(1, MAX_REPLY_ATTEMPTS + 1):
        assert channels_retry.call()["failed"] == 1
        assert InboundMessage.objects.get().reply_attempts == attempt
    assert channels_retry.call()["failed"] == 0  # given up
    assert "bug" in InboundMessage.objects.get().last_error
    assert whatsapp_user.sim.sent == []


def test_a_pdf_document_is_taken_as_evidence(whatsapp_user: WhatsAppUser) -> None:
    sim = whatsapp_user.sim
    whatsapp_user.say("halo")
    whatsapp_user.say("1")
    whatsapp_user.say(DESCRIPTION)
    whatsapp_user.say("Jalan Sudirman")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    media_id = sim.add_media(pdf, mime_type="application/pdf")
    document = sim._message(
        WA_USER, "document", {"id": media_id, "mime_type": "application/pdf", "filename": "a.pdf"}
    )
    whatsapp_user.send(document)
    whatsapp_user.say("lewati")
    whatsapp_user.say("ya")
    assert Attachment.objects.get().content_type == "application/pdf"


def test_an_oversized_webhook_body_is_413(
    client: Any, wa: WhatsAppCloudSimulator, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    body, headers = wa.signed(wa.notification([wa.text_message(WA_USER, "x" * 300)]))
    response = client.post(
        "/kanal/whatsapp/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": headers["X-Hub-Signature-256"]},
    )
    assert response.status_code == 413
    assert InboundMessage.objects.count() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "object",
                    "entry",
                    "changes",
                    "value",
                    "field",
                    "messages",
                    "id",
                    "from",
                    "type",
                    "text",
                    "contacts",
                    "statuses",
                    "wa_id",
                    "profile",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(payload=json_values)
@hypothesis_settings(max_examples=300, deadline=None)
def test_the_parser_only_ever_rejects_with_400(payload: Any) -> None:
    """Whatever JSON arrives, parsing either returns well-formed messages or says 400."""
    from aduan.channels.errors import WebhookRejected

    try:
        batch = whatsapp.parse_webhook(json.dumps(payload).encode())
    except WebhookRejected as rejected:
        assert rejected.status == 400
        return
    for message in batch.messages:
        assert isinstance(message["id"], str) and message["id"]
        assert message["from"].isdigit()
