"""Fan-out, sending on each channel, retries with backoff, dead letters and lease recovery."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from aduan.complaints import services
from aduan.complaints.models import Channel
from aduan.core import clock
from aduan.notifications import delivery
from aduan.notifications.models import Delivery, Notification, NotificationPreference, OutboxMessage
from tests.notifications import fakes
from tests.world import World, frozen_at, later, make, submit


def test_submit_reaches_reporter_and_coordinator_once(world: World) -> None:
    complaint = submit(world)
    result = delivery.deliver()
    assert result["fanned_out"] == 2
    assert set(Delivery.objects.values_list("recipient_key", "channel", "status")) == {
        (f"user:{world.reporter.pk}", "in_app", "sent"),
        (f"user:{world.reporter.pk}", "email", "sent"),
        (f"user:{world.coordinator.pk}", "in_app", "sent"),
        (f"user:{world.coordinator.pk}", "email", "sent"),
    }
    [note] = Notification.objects.filter(user=world.reporter)
    assert complaint.tracking_id in note.title
    assert note.link == f"/lacak/{complaint.tracking_id}/"
    staff_note = Notification.objects.get(user=world.coordinator)
    assert staff_note.link.endswith(f"/aduan/{complaint.tracking_id}/")
    assert sorted(m.to[0] for m in mail.outbox) == ["koordinator@example.org", "warga@example.org"]
    # Another pass finds nothing to do, and fanning out again writes nothing twice.
    OutboxMessage.objects.update(status=OutboxMessage.Status.PENDING)
    assert delivery.deliver() == {"fanned_out": 2}
    assert Delivery.objects.count() == 4
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_email_message_id_is_derived_from_the_delivery(world: World) -> None:
    submit(world)
    delivery.deliver()
    row = Delivery.objects.get(channel="email", user=world.reporter)
    [message] = [m for m in mail.outbox if m.to == ["warga@example.org"]]
    assert message.extra_headers["Message-ID"] == f"<aduan-delivery-{row.pk}@localhost>"
    assert row.provider_reference == message.extra_headers["Message-ID"]
    assert "https://aduan.example.org/lacak/" in message.body


def test_sms_and_whatsapp_get_a_reference_and_the_link(world: World) -> None:
    sms_guest = submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    wa_guest = submit(
        world,
        actor=None,
        reporter_name="Tamu",
        reporter_phone="0812000222",
        channel=Channel.WHATSAPP,
    )
    # WhatsApp guests got their receipt from the conversation; the hold notice is theirs.
    services.complaint_hold(
        actor=world.coordinator, complaint=wa_guest, reason="Mohon lengkapi lokasinya."
    )
    delivery.deliver()
    by_channel = {item["channel"]: item for item in fakes.SENT}
    sms_row = Delivery.objects.get(channel="sms")
    assert by_channel["sms"]["to"] == "+62812000111"
    assert by_channel["sms"]["reference"] == f"aduan-delivery-{sms_row.pk}"
    assert f"https://aduan.example.org/lacak/{sms_guest.tracking_id}/" in by_channel["sms"]["body"]
    assert by_channel["whatsapp"]["to"] == "+62812000222"
    assert wa_guest.tracking_id in by_channel["whatsapp"]["body"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_preferences_are_honoured(world: World) -> None:
    NotificationPreference.objects.create(
        user=world.reporter, in_app=True, email=False, whatsapp=False, sms=True
    )
    submit(world)
    delivery.deliver()
    assert set(Delivery.objects.filter(user=world.reporter).values_list("channel", flat=True)) == {
        "in_app",
        "sms",
    }
    assert [item["to"] for item in fakes.SENT] == ["+6281234567890"]


def test_retryable_error_backs_off_then_succeeds(world: World) -> None:
    submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    fakes.FAILURES.append(ConnectionError("gateway down"))
    start = clock.now()
    with frozen_at(start):
        delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("pending", 1)
    assert "gateway down" in row.last_error
    # First retry after 15-30 s (30 s base, jitter 50-100 %).
    assert start + timedelta(seconds=15) <= row.next_attempt_at <= start + timedelta(seconds=30)
    with frozen_at(start + timedelta(seconds=14)):
        delivery.deliver()
    assert fakes.SENT == []
    with frozen_at(start + timedelta(seconds=31)):
        delivery.deliver()
    row.refresh_from_db()
    assert (row.status, row.attempts, len(fakes.SENT)) == ("sent", 2, 1)


def test_backoff_grows_and_is_capped(settings: Any) -> None:
    settings.ADUAN_NOTIFY_BACKOFF_SECONDS = 10
    settings.ADUAN_NOTIFY_BACKOFF_MAX_SECONDS = 100
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [delivery.backoff(attempts).total_seconds() for _ in range(20)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)


def test_permanent_error_is_a_dead_letter_at_once(world: World) -> None:
    submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    fakes.FAILURES.append(delivery.PermanentDeliveryError("number does not exist"))
    delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("dead", 1)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({}), True),
        (smtplib.SMTPResponseException(550, b"no such user"), True),
        (smtplib.SMTPResponseException(451, b"try later"), False),
        (ConnectionError(), False),
        (TimeoutError(), False),
        (ValueError("bad number"), True),
    ],
)
def test_error_classification(error: BaseException, permanent: bool) -> None:
    assert delivery.is_permanent(error) is permanent


def test_http_errors_are_classified_by_status() -> None:
    class Response:
        def __init__(self, status_code: int) -> None:
            self.status_code = status_code

    class HttpError(Exception):
        def __init__(self, status_code: int) -> None:
            self.response = Response(status_code)

    assert delivery.is_permanent(HttpError(400))
    assert not delivery.is_permanent(HttpError(429))
    assert not delivery.is_permanent(HttpError(503))


def test_too_many_attempts_make_a_dead_letter(world: World, settings: Any) -> None:
    settings.ADUAN_NOTIFY_MAX_ATTEMPTS = 2
    submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    fakes.FAILURES.extend([ConnectionError("1"), ConnectionError("2")])
    delivery.deliver()
    with later(1):
        delivery.deliver()
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts, row.last_error) == ("dead", 2, "ConnectionError: 2")
    with later(2):
        delivery.deliver()
    assert fakes.SENT == []


def _stranded(world: World, **kwargs: Any) -> Delivery:
    """A delivery left in ``sending`` by a worker that died after handing it over."""
    complaint = submit(
        world, actor=None, reporter_name="Tamu", reporter_phone="0812000111", **kwargs
    )
    if complaint.channel == Channel.WHATSAPP:
        # WhatsApp guests got their receipt from the conversation; the hold notice is theirs.
        services.complaint_hold(
            actor=world.coordinator, complaint=complaint, reason="Mohon lengkapi lokasinya."
        )
    delivery.fan_out()
    row = Delivery.objects.get(channel__in=["sms", "whatsapp"])
    row.status = Delivery.Status.SENDING
    row.attempts = 1
    row.attempt_id = "dead-worker"
    row.lease_expires_at = clock.now() + timedelta(seconds=60)
    row.save()
    return row


def test_a_running_lease_is_left_alone_and_an_expired_one_resent_with_the_same_reference(
    world: World,
) -> None:
    row = _stranded(world)
    delivery.send_due()
    assert fakes.SENT == []
    with later(1):
        delivery.send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert [item["reference"] for item in fakes.SENT] == [f"aduan-delivery-{row.pk}"]


def test_an_expired_lease_without_provider_deduplication_becomes_a_dead_letter(
    world: World,
) -> None:
    row = _stranded(world, channel=Channel.WHATSAPP)
    with later(1):
        delivery.send_due()
    row.refresh_from_db()
    assert row.status == "dead"
    assert row.last_error.startswith("unconfirmed")
    assert fakes.SENT == []


def test_a_late_worker_does_not_overwrite_the_new_attempt(world: World) -> None:
    submit(world, actor=None, reporter_name="Tamu", reporter_phone="0812000111")
    delivery.fan_out()
    claimed = delivery._claim()
    assert isinstance(claimed, tuple)
    row, attempt = claimed
    Delivery.objects.filter(pk=row.pk).update(attempt_id="someone-else")
    delivery._send(row, attempt)
    row.refresh_from_db()
    assert (row.status, row.attempt_id) == ("sending", "someone-else")


def test_outbox_fan_out_failure_is_retried_then_failed(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ADUAN_NOTIFY_MAX_ATTEMPTS = 2
    submit(world)

    def broken(message: Any) -> list[Any]:
        raise RuntimeError("resolver broken")

    monkeypatch.setattr(delivery.recipients, "resolve", broken)
    delivery.fan_out()
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("pending", 1)}
    with later(1):
        delivery.fan_out()
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("failed", 2)}
    assert Delivery.objects.count() == 0


def test_every_state_notifies_without_errors(world: World) -> None:
    for state in ["on_hold", "archived", "transferred", "closed"]:
        make(world, state)
    complaint = make(world, "resolved")
    services.complaint_reopen(actor=world.reporter, complaint=complaint, reason="Belum beres.")
    delivery.deliver(limit=1000)
    assert not Delivery.objects.exclude(status="sent").exists()
    events = set(OutboxMessage.objects.values_list("event", flat=True))
    assert {"complaint.held", "followup.published", "complaint.auto_closed"} <= events
    assert Notification.objects.filter(user=world.reporter).count() >= 10


def test_a_phone_code_goes_by_sms_to_the_number_being_verified_only(world: World) -> None:
    from aduan.accounts.services import phone_verification_start

    world.reporter.phone = "+6281299990000"
    world.reporter.save(update_fields=["phone"])
    phone_verification_start(user=world.reporter)
    delivery.deliver()
    [row] = Delivery.objects.filter(outbox__event="account.phone_code")
    assert (row.channel, row.address, row.status) == ("sms", "+6281299990000", "sent")
    [sms] = [item for item in fakes.SENT if item["channel"] == "sms"]
    assert sms["to"] == "+6281299990000"
    text = OutboxMessage.objects.get(event="account.phone_code").payload["text"]
    # Exactly the text with the code, no link, and nothing by e-mail or in the site.
    assert sms["body"] == text and "http" not in sms["body"]
    assert not Notification.objects.filter(user=world.reporter).exists()
    assert mail.outbox == []
