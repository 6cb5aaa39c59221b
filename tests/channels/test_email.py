"""E-mail intake: the signed inbound-mail webhook and IMAP polling against the simulator."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from django.core import mail as outbox
from django.core.management import call_command

from aduan.channels.mail import email_poll_run
from aduan.channels.models import InboundMessage
from aduan.complaints import selectors
from aduan.complaints.models import Attachment, Channel, Complaint
from tests.channels.conftest import PNG, as_json
from tests.simulators.mail import ImapSimulator, build_email, sign

pytestmark = pytest.mark.django_db

SECRET = "test-mail-secret"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def post_mail(client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    def post(raw: bytes, *, signature: str | None = None, multipart: bool = False) -> Any:
        if multipart:
            boundary = "----aduanboundary"
            body = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="message"; '
                    f'filename="message.eml"\r\nContent-Type: message/rfc822\r\n\r\n'
                ).encode()
                + raw
                + f"\r\n--{boundary}--\r\n".encode()
            )
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body, content_type = raw, "message/rfc822"
        headers = {"X-Signature": sign(body, SECRET) if signature is None else signature}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/kanal/email/", body, content_type=content_type, headers=headers)

    return post


def replies() -> list[Any]:
    """Our answers (the outbox's notifications are sent by e-mail too)."""
    return [
        message
        for message in outbox.outbox
        if message.extra_headers.get("Auto-Submitted") == "auto-replied"
    ]


def _secret(reply: str, tracking_id: str) -> str:
    found = re.search(r"\b([0-9A-Z]{12})\b", reply.replace(tracking_id, ""))
    assert found, reply
    return found.group(1)


@pytest.mark.parametrize("multipart", [False, True])
def test_webhook_creates_a_complaint_and_answers_by_mail(post_mail: Any, multipart: bool) -> None:
    raw = build_email(
        attachments=[
            ("lubang.png", "image/png", PNG),
            ("surat.pdf", "application/pdf", PDF),
            ("virus.exe", "application/octet-stream", b"MZ..."),
        ],
        message_id="<abc-1@example.org>",
    )
    response = post_mail(raw, multipart=multipart)
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get()
    assert as_json(response) == {"result": "created", "tracking_id": complaint.tracking_id}
    assert complaint.channel == Channel.EMAIL
    assert complaint.title == "Jalan berlubang di Jl. Sudirman"
    assert complaint.description.startswith("Jalan berlubang besar di depan pasar")
    assert complaint.reporter_name == "Siti Rahma"
    assert complaint.reporter_email == "siti@example.org"
    types = sorted(Attachment.objects.values_list("content_type", flat=True))
    assert types == ["application/pdf", "image/png"]  # the .exe was left out
    [reply] = replies()
    assert reply.to == ["siti@example.org"]
    assert reply.subject == "Re: Jalan berlubang di Jl. Sudirman"
    assert reply.extra_headers["In-Reply-To"] == "<abc-1@example.org>"
    assert complaint.tracking_id in reply.body
    secret = _secret(reply.body, complaint.tracking_id)
    assert selectors.complaint_for_guest(complaint.tracking_id, secret)[0] == complaint


def test_redelivered_mail_creates_nothing_and_answers_once(post_mail: Any) -> None:
    raw = build_email(message_id="<same@example.org>")
    assert as_json(post_mail(raw))["result"] == "created"
    assert as_json(post_mail(raw)) == {"result": "duplicate"}
    assert Complaint.objects.count() == 1 and len(replies()) == 1


def test_the_same_message_id_from_another_sender_is_not_a_duplicate(post_mail: Any) -> None:
    assert as_json(post_mail(build_email(message_id="<x@example.org>")))["result"] == "created"
    copy = build_email(sender="lain@example.org", message_id="<x@example.org>")
    assert as_json(post_mail(copy))["result"] == "created"
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("signature", ["", "00" * 32, "sha256=whatever"])
def test_bad_signature_is_403(post_mail: Any, signature: str) -> None:
    assert post_mail(build_email(), signature=signature).status_code == 403
    assert Complaint.objects.count() == 0 and InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"this is not an e-mail at all",
        build_email(sender="not-an-address"),
        build_email(sender="a@example.org, b@example.org"),
    ],
)
def test_unreadable_mail_is_400(post_mail: Any, raw: bytes) -> None:
    response = post_mail(raw)
    assert response.status_code == 400, response.content
    assert Complaint.objects.count() == 0 and InboundMessage.objects.count() == 0
    assert replies() == []


def test_multipart_without_message_field_is_400(client: Any) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n'
    response = client.post(
        "/kanal/email/",
        body,
        content_type="multipart/form-data; boundary=b",
        headers={"X-Signature": sign(body, SECRET)},
    )
    assert response.status_code == 400


def test_oversized_mail_is_413(post_mail: Any, settings: Any) -> None:
    settings.ADUAN_EMAIL_MAX_BYTES = 500
    response = post_mail(build_email(text="x" * 1000))
    assert response.status_code == 413
    assert Complaint.objects.count() == 0


def test_invalid_content_is_answered_and_creates_nothing(post_mail: Any, settings: Any) -> None:
    response = post_mail(build_email(subject="", text="rusak"))  # too short a description
    assert as_json(response) == {"result": "rejected"}
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 10
    response = post_mail(build_email(attachments=[("foto.png", "image/png", PNG)]))
    assert as_json(response) == {"result": "rejected"}
    assert Complaint.objects.count() == 0
    assert len(replies()) == 2
    assert "foto.png" in replies()[1].body


def test_automatic_mail_gets_no_answer(post_mail: Any) -> None:
    raw = build_email(headers={"Auto-Submitted": "auto-replied"})
    assert as_json(post_mail(raw)) == {"result": "ignored"}
    assert Complaint.objects.count() == 0 and replies() == []


def test_status_by_mail_for_the_reporter_only(post_mail: Any) -> None:
    post_mail(build_email())
    complaint = Complaint.objects.get()
    assert (
        as_json(post_mail(build_email(subject=f"status {complaint.tracking_id}")))["result"]
        == "status"
    )
    post_mail(build_email(sender="orang@example.org", subject=f"Status {complaint.tracking_id}"))
    own, stranger = replies()[1].body, replies()[2].body
    assert complaint.tracking_id in own and complaint.tracking_id in stranger
    assert own != stranger
    assert Complaint.objects.count() == 1


# --- IMAP -------------------------------------------------------------------------------------


@pytest.fixture
def imap(settings: Any) -> Any:
    simulator = ImapSimulator(user="aduan@example.go.id", password="rahasia")
    with simulator.serve() as (host, port):
        settings.ADUAN_IMAP_HOST = host
        settings.ADUAN_IMAP_PORT = port
        settings.ADUAN_IMAP_SECURITY = "none"
        settings.ADUAN_IMAP_USER = simulator.user
        settings.ADUAN_IMAP_PASSWORD = simulator.password
        yield simulator


@pytest.fixture
def poll(django_capture_on_commit_callbacks: Any) -> Any:
    """One poll, with the replies queued after commit sent as in production."""

    def run() -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return email_poll_run()

    return run


def test_imap_poll_takes_in_unseen_mail_once(imap: ImapSimulator, poll: Any) -> None:
    read_before = imap.add(build_email(subject="Sudah dibaca"), seen=True)
    first = imap.add(build_email(attachments=[("foto.png", "image/png", PNG)]))
    second = imap.add(
        build_email(
            sender="Andi <andi@example.org>",
            subject="Sampah menumpuk di Jl. Veteran",
            text="Sampah tidak diangkut selama seminggu di Jalan Veteran.",
        )
    )
    assert poll() == {"created": 2}
    assert Complaint.objects.filter(channel=Channel.EMAIL).count() == 2
    assert "\\Seen" in imap.flags_of(first) and "\\Seen" in imap.flags_of(second)
    assert not Complaint.objects.filter(title="Sudah dibaca").exists()
    assert imap.flags_of(read_before) == {"\\Seen"}
    assert Attachment.objects.count() == 1
    assert sorted(message.to[0] for message in replies()) == [
        "andi@example.org",
        "siti@example.org",
    ]
    # Fetched with BODY.PEEK: the server only marks them after the complaint is stored.
    assert any("BODY.PEEK[]" in command for command in imap.commands)
    assert poll() == {}


def test_imap_poll_skips_a_message_already_taken_in(imap: ImapSimulator, poll: Any) -> None:
    raw = build_email(message_id="<twice@example.org>")
    imap.add(raw)
    poll()
    imap.add(raw)  # the same message again (a poll that died before marking it seen)
    assert poll() == {"duplicate": 1}
    assert Complaint.objects.count() == 1 and len(replies()) == 1


def test_imap_poll_marks_an_unreadable_message_and_goes_on(imap: ImapSimulator, poll: Any) -> None:
    bad = imap.add(b"Subject: no sender\r\n\r\nhello\r\n")
    good = imap.add(build_email())
    assert poll() == {"unreadable": 1, "created": 1}
    assert "\\Seen" in imap.flags_of(bad) and "\\Seen" in imap.flags_of(good)


def test_poll_email_command(imap: ImapSimulator, capsys: Any) -> None:
    imap.add(build_email())
    call_command("channels", "poll-email")
    assert "created\t1" in capsys.readouterr().out
    assert Complaint.objects.count() == 1


def test_poll_email_command_with_wrong_password(imap: ImapSimulator, settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.ADUAN_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError):
        call_command("channels", "poll-email")


def test_poll_is_registered_only_with_an_imap_host() -> None:
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'aduan.settings');"
        "from django.conf import settings; print(sorted(settings.ADUAN_PERIODIC_TASKS))"
    )
    without = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ADUAN_IMAP_HOST": ""},
    ).stdout
    with_host = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "ADUAN_IMAP_HOST": "imap.example.org"},
    ).stdout
    assert "channels.email_poll" not in without and "channels.retry" in without
    assert "channels.email_poll" in with_host
