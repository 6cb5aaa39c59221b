"""Message texts: every event renders in Indonesian and English, with no personal data."""

from __future__ import annotations

import pytest
from django.core import mail

from aduan.complaints import services
from aduan.notifications import delivery, messages
from aduan.notifications.models import Notification, OutboxMessage
from tests.world import World, make, submit

EVENTS = sorted({*messages.CITIZEN_TEXTS, *messages.STAFF_TEXTS, "something.new"})
PAYLOAD = {
    "tracking_id": "SB-TEST-0001",
    "status": "dispatched",
    "action": "x",
    "reason": "lokasi kurang jelas",
    "into": "SB-TEST-0002",
    "clock": "first_followup",
}


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("staff", [False, True])
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_event_renders(event: str, staff: bool, language: str) -> None:
    rendered = messages.render(event=event, payload=PAYLOAD, language=language, staff=staff)
    assert "SB-TEST-0001" in rendered.title
    assert "SB-TEST-0001" in rendered.body
    assert "%(" not in rendered.body and "%(" not in rendered.title
    if staff and event in messages.NO_LONGER_THEIRS:
        assert rendered.link == "/staf/kotak-masuk/"  # they may no longer open the complaint
    else:
        assert rendered.link.endswith("/SB-TEST-0001/")


def test_language_follows_the_recipient() -> None:
    """The status label comes from the catalogue: Indonesian for "id", English for "en"."""
    indonesian = messages.render(
        event="something.new",
        payload={**PAYLOAD, "status": "submitted"},
        language="id",
        staff=False,
    )
    english = messages.render(
        event="something.new",
        payload={**PAYLOAD, "status": "submitted"},
        language="en",
        staff=False,
    )
    assert "Belum terverifikasi" in indonesian.body
    assert "Not yet verified" in english.body


def test_an_overdue_notice_names_the_deadline_not_its_code() -> None:
    for language, label in (("id", "Tindak lanjut pertama"), ("en", "First follow-up")):
        rendered = messages.render(
            event="clock.breached", payload=PAYLOAD, language=language, staff=True
        )
        assert label in rendered.body
        assert "first_followup" not in rendered.body


def test_english_reporter_gets_english_messages(world: World) -> None:
    world.reporter.language = "en"
    world.reporter.save()
    complaint = submit(world)
    delivery.deliver()
    note = Notification.objects.get(user=world.reporter)
    assert note.title == f"Report {complaint.tracking_id} received"
    [email] = [m for m in mail.outbox if m.to == ["warga@example.org"]]
    assert email.subject == note.title
    assert "Please do not reply" in email.body


def test_follower_is_told_which_of_their_reports_it_is(world: World) -> None:
    survivor = submit(world)
    duplicate = submit(world, actor=world.outsider)
    services.complaint_merge(actor=world.coordinator, duplicate=duplicate, into=survivor)
    services.complaint_dispatch(
        actor=world.coordinator, complaint=survivor, lead_agency=world.public_works
    )
    delivery.deliver(limit=1000)
    note = Notification.objects.filter(user=world.outsider).latest("id")
    assert survivor.tracking_id in note.title
    assert duplicate.tracking_id in note.body
    assert note.link == f"/lacak/{duplicate.tracking_id}/"


@pytest.mark.parametrize("flag", ["is_anonymous", "is_confidential"])
def test_no_message_carries_the_reporters_identity(world: World, flag: str) -> None:
    complaint = make(
        world,
        "in_progress",
        actor=None,
        reporter_name="Rahasia Sekali",
        reporter_phone="0812999888",
        reporter_email="rahasia@example.org",
        **{flag: True},
    )
    services.complaint_reply(actor=_guest(complaint), complaint=complaint, body="Tambahan info.")
    delivery.deliver(limit=1000)
    for payload in OutboxMessage.objects.values_list("payload", flat=True):
        assert not {"name", "phone", "email", "reporter"} & set(payload)
    texts = [f"{n.title} {n.body}" for n in Notification.objects.all()]
    to_others = [m for m in mail.outbox if m.to != ["rahasia@example.org"]]
    texts += [f"{m.subject} {m.body}" for m in to_others]
    assert texts and len(to_others) < len(mail.outbox)  # the reporter was told too
    for text in texts:
        for secret in ("Rahasia", "0812999888", "812999888", "rahasia@example.org"):
            assert secret not in text
    # Staff were told (in the app and by e-mail), without the identity.
    assert Notification.objects.filter(user=world.coordinator).exists()


def _guest(complaint: object) -> object:
    from aduan.complaints.policies import GuestPass

    return GuestPass(complaint_id=complaint.pk)  # type: ignore[attr-defined]
