"""Regressions found in review: input no database column can hold, malformed parts of a
notification, the media download URL, the verify-token check, e-mail parsing, IMAP polling
past a failing message, and two first messages of one sender at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from aduan.channels import mail, whatsapp
from aduan.channels.conversation import STEP_DESCRIPTION, STEP_KIND, Incoming, _advance
from aduan.channels.errors import PermanentDeliveryError
from aduan.channels.inbound import inbound_record
from aduan.channels.models import Conversation, InboundMessage
from aduan.complaints.models import Channel, Complaint
from aduan.core import clock
from tests.channels import test_email as _email
from tests.channels.conftest import PNG, WA_USER, as_json
from tests.simulators.mail import ImapSimulator, build_email

pytestmark = pytest.mark.django_db

# The e-mail tests' fixtures, used here too.
imap, poll, post_mail = _email.imap, _email.poll, _email.post_mail

DESCRIPTION = "Lampu jalan di depan sekolah mati sejak seminggu, gelap sekali malam hari."


# --- text no column can hold (PostgreSQL refuses NUL in text and JSON) -------------------------


def test_nul_in_a_whatsapp_text_is_dropped_not_a_500(whatsapp_user: Any) -> None:
    replies = whatsapp_user.say("halo\x00")
    assert replies  # answered with the welcome prompt
    payload = InboundMessage.objects.get().payload
    assert payload["text"]["body"] == "halo"


def test_nul_in_an_sms_text_and_id_is_dropped(client: Any, sms_gateway: Any) -> None:
    body = b'{"from": "081277778888", "text": "halo\\u0000", "id": "\\u0000abc"}'
    response = client.post(
        "/kanal/sms/",
        body,
        content_type="application/json",
        headers={"X-Signature": sms_gateway.sign(body)},
    )
    assert response.status_code == 200, response.content
    inbound = InboundMessage.objects.get()
    assert (inbound.provider_id, inbound.payload["text"]) == ("abc", "halo")


def test_long_provider_ids_that_share_a_prefix_are_two_messages() -> None:
    first = inbound_record(
        channel=Channel.SMS, provider_id="x" * 300 + "1", address="+62811", payload={}
    )
    second = inbound_record(
        channel=Channel.SMS, provider_id="x" * 300 + "2", address="+62811", payload={}
    )
    again = inbound_record(
        channel=Channel.SMS, provider_id="x" * 300 + "2", address="+62811", payload={}
    )
    assert first is not None and second is not None and again is None
    assert len(first.provider_id) <= 255 and first.provider_id != second.provider_id


# --- WhatsApp notifications with malformed parts ---------------------------------------------


def test_contact_profile_that_is_not_an_object_is_400(whatsapp_user: Any, wa: Any) -> None:
    payload = wa.notification([wa.text_message(WA_USER, "halo")])
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [{"wa_id": WA_USER, "profile": "x"}]
    response = whatsapp_user.post(payload)
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_interactive_reply_with_malformed_parts_is_read_as_empty(
    whatsapp_user: Any, wa: Any
) -> None:
    message = wa.text_message(WA_USER, "x")
    message.pop("text")
    message.update(type="interactive", interactive={"button_reply": "not an object"})
    replies = whatsapp_user.send(message)  # the task did not fail (autouse fixture)
    assert replies
    assert InboundMessage.objects.get().processed_at is not None


# --- media download ---------------------------------------------------------------------------


def test_media_url_must_be_https_or_the_api_host(settings: Any) -> None:
    settings.ADUAN_WHATSAPP_API_BASE = "http://127.0.0.1:8123"
    allowed = whatsapp.media_url_allowed
    assert allowed("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1")
    assert allowed("http://127.0.0.1:8123/media/1")
    assert not allowed("http://169.254.169.254/latest/meta-data/")
    assert not allowed("http://127.0.0.1:8124/media/1")
    assert not allowed("http://evil.example/media/1")
    assert not allowed("file:///etc/passwd")
    assert not allowed("https://user:pw@evil.example/")
    assert not allowed("https://[::1")


def test_media_download_to_another_host_is_refused_without_sending_the_token(
    wa: Any, monkeypatch: Any
) -> None:
    media_id = wa.add_media(PNG, mime_type="image/png")
    original = wa._media_meta

    def redirecting(environ: Any, start_response: Any, wanted: str) -> Any:
        environ = {**environ, "HTTP_HOST": "169.254.169.254"}
        return original(environ, start_response, wanted)

    monkeypatch.setattr(wa, "_media_meta", redirecting)
    with pytest.raises(PermanentDeliveryError, match="media URL refused"):
        whatsapp.fetch_media(media_id)


def test_media_id_that_is_not_an_id_is_refused_before_any_request(wa: Any) -> None:
    with pytest.raises(PermanentDeliveryError, match="not a media id"):
        whatsapp.fetch_media("../v23.0/123/messages")


def test_verify_token_with_non_ascii_is_403_not_500(client: Any) -> None:
    response = client.get(
        "/kanal/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "vérify", "hub.challenge": "1"},
    )
    assert response.status_code == 403


# --- e-mail parsing -------------------------------------------------------------------------


def test_undecodable_sender_name_and_nul_in_subject_are_cleaned(post_mail: Any) -> None:
    raw = (
        b"From: =?utf-8?q?\xff?= <warga@example.org>\r\nSubject: Lampu\x00 mati\r\n"
        b"Message-ID: <nul-1@example.org>\r\n\r\n" + DESCRIPTION.encode() + b"\r\n"
    )
    response = post_mail(raw)
    assert response.status_code == 200, response.content
    assert as_json(response)["result"] == "created"
    complaint = Complaint.objects.get()
    assert complaint.title == "Lampu mati"
    assert "\x00" not in complaint.reporter_name
    complaint.reporter_name.encode("utf-8")  # no lone surrogates


def test_unknown_charset_keeps_the_text(post_mail: Any) -> None:
    raw = (
        b"From: warga@example.org\r\nSubject: Lampu\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n"
        + DESCRIPTION.encode()
        + b"\r\n"
    )
    assert as_json(post_mail(raw))["result"] == "created"
    assert Complaint.objects.get().description == DESCRIPTION


def test_html_only_mail_is_read_as_text(post_mail: Any) -> None:
    raw = (
        b"From: warga@example.org\r\nSubject: Jalan rusak\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><title>t</title><style>p{color:red}</style></head><body>"
        b"<p>Jalan &amp; jembatan rusak parah</p><p>di Kel. Sukamaju<br>sejak Senin</p>"
        b"<script>alert(1)</script></body></html>\r\n"
    )
    assert as_json(post_mail(raw))["result"] == "created"
    assert Complaint.objects.get().description == (
        "Jalan & jembatan rusak parah\ndi Kel. Sukamaju\nsejak Senin"
    )


def test_from_address_longer_than_254_is_400(post_mail: Any) -> None:
    local = "a" * 64
    domain = ".".join(["b" * 60] * 4) + ".id"
    raw = build_email(sender=f"{local}@{domain}")
    response = post_mail(raw)
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_imap_poll_goes_on_after_a_message_that_fails(
    imap: ImapSimulator,
    poll: Any,
    monkeypatch: Any,
) -> None:
    bad = imap.add(build_email(subject="Gagal", message_id="<boom@example.org>"))
    good = imap.add(build_email(message_id="<ok@example.org>"))
    real = mail.email_intake

    def intake(*, raw: bytes) -> Any:
        if b"boom@example.org" in raw:
            raise RuntimeError("database went away")
        return real(raw=raw)

    monkeypatch.setattr(mail, "email_intake", intake)
    counts = poll()
    assert counts == {"failed": 1, "created": 1}
    assert "\\Seen" not in imap.flags_of(bad)  # read again next time
    assert "\\Seen" in imap.flags_of(good)


# --- two first messages of one sender at once -------------------------------------------------


def test_message_that_loses_the_race_to_start_is_read_at_the_step() -> None:
    """What the second of two simultaneous first messages sees: no conversation when it
    looked, one when it tried to create it. Its "1" must choose the kind, not be dropped."""
    now = clock.now()
    Conversation.objects.create(
        channel=Channel.SMS,
        address="+6281277778888",
        step=STEP_KIND,
        data={"key": "k", "language": "en"},
        created_at=now,
        updated_at=now,
    )
    message = Incoming(
        channel=Channel.SMS, address="+6281277778888", text="1", supports_photos=False
    )
    with transaction.atomic(), translation.override("en"):
        replies = _advance(None, message, "1", "1", "en")
    assert "describe" in replies[0]
    assert Conversation.objects.get().step == STEP_DESCRIPTION


def test_sent_receipt_with_the_secret_is_not_kept(post_mail: Any) -> None:
    from django.core import mail as outbox

    response = post_mail(build_email(message_id="<secret-1@example.org>"))
    assert as_json(response)["result"] == "created"
    receipt = [m for m in outbox.outbox if m.extra_headers.get("Auto-Submitted")]
    assert len(receipt) == 1
    assert as_json(response)["tracking_id"] in receipt[0].body
    inbound = InboundMessage.objects.get()
    assert inbound.replied_at is not None
    assert inbound.replies == []


def test_two_mails_with_long_ids_that_differ_at_the_end_are_two_reports(post_mail: Any) -> None:
    """The inbox keeps a digest of an id longer than its column; cutting it first would make the
    second mail look like a redelivery of the first."""
    stem = "y" * 300
    for ending, subject in (("A", "Lampu mati"), ("B", "Jalan rusak")):
        raw = (
            f"From: warga@example.org\r\nSubject: {subject}\r\n"
            f"Message-ID: <{stem}{ending}@example.org>\r\n\r\n{DESCRIPTION}\r\n"
        ).encode()
        assert as_json(post_mail(raw))["result"] == "created"
    titles = sorted(Complaint.objects.values_list("title", flat=True))
    assert titles == ["Jalan rusak", "Lampu mati"]
