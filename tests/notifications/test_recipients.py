"""Who each audience resolves to, and that nobody is told what they may not know."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.accounts.models import Membership, Role
from aduan.complaints import services
from aduan.complaints.models import Channel
from aduan.notifications import recipients
from aduan.notifications.models import Audience, NotificationPreference, OutboxMessage
from tests.world import World, make, submit


def _resolve(complaint: Any, audience: str, event: str | None = None) -> list[Any]:
    rows = OutboxMessage.objects.filter(complaint=complaint, audience=audience)
    if event:
        rows = rows.filter(event=event)
    message = rows.latest("id")
    return recipients.resolve(message)


def _keys(found: list[Any]) -> set[str]:
    return {r.key for r in found}


def test_account_reporter_gets_default_channels(world: World) -> None:
    complaint = submit(world)
    [reporter] = _resolve(complaint, Audience.REPORTER)
    assert reporter.key == f"user:{world.reporter.pk}"
    assert reporter.channels == (("in_app", ""), ("email", "warga@example.org"))
    assert not reporter.staff


def test_preferences_choose_channels_and_need_an_address(world: World) -> None:
    NotificationPreference.objects.create(
        user=world.reporter, in_app=False, email=False, whatsapp=True, sms=True
    )
    complaint = submit(world)
    [reporter] = _resolve(complaint, Audience.REPORTER)
    assert reporter.channels == (("whatsapp", "+6281234567890"), ("sms", "+6281234567890"))
    world.reporter.phone = ""
    world.reporter.save()
    [reporter] = _resolve(complaint, Audience.REPORTER)
    assert reporter.channels == ()


def test_disabled_channels_are_left_out(world: World, settings: Any) -> None:
    settings.ADUAN_NOTIFY_CHANNELS = ["in_app"]
    [reporter] = _resolve(submit(world), Audience.REPORTER)
    assert reporter.channels == (("in_app", ""),)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (Channel.WEB, (("email", "tamu@example.org"), ("sms", "+62812000111"))),
        (Channel.WHATSAPP, (("email", "tamu@example.org"), ("whatsapp", "+62812000111"))),
    ],
)
def test_guest_gets_the_contact_they_gave(world: World, channel: str, expected: Any) -> None:
    complaint = make(
        world,
        "dispatched",
        actor=None,
        channel=channel,
        reporter_name="Tamu",
        reporter_phone="0812000111",
        reporter_email="tamu@example.org",
    )
    [guest] = _resolve(complaint, Audience.REPORTER, "complaint.dispatched")
    assert guest.key == f"guest:{complaint.pk}"
    assert guest.channels == expected
    assert guest.language == "id"


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.SMS, Channel.EMAIL])
def test_guests_of_answering_channels_get_no_second_receipt(world: World, channel: str) -> None:
    complaint = submit(
        world,
        actor=None,
        channel=channel,
        reporter_name="Tamu",
        reporter_phone="0812000111",
        reporter_email="tamu@example.org",
    )
    # The channel's own reply carried the tracking ID and secret.
    assert _resolve(complaint, Audience.REPORTER, "complaint.submitted") == []
    web = submit(world, actor=None, reporter_name="Tamu", reporter_email="tamu@example.org")
    assert _keys(_resolve(web, Audience.REPORTER, "complaint.submitted")) == {f"guest:{web.pk}"}


def test_coordinators_and_inspectorate(world: World) -> None:
    complaint = submit(world)
    assert _keys(_resolve(complaint, Audience.COORDINATORS)) == {f"user:{world.coordinator.pk}"}
    supervisory = submit(world, is_supervisory=True)
    found = _resolve(supervisory, Audience.INSPECTORATE)
    assert _keys(found) == {f"user:{world.inspectorate.pk}"}
    assert all(r.staff for r in found)


def test_agency_audience_is_that_agencys_staff_and_parents(world: World) -> None:
    complaint = make(world, "dispatched")
    message = OutboxMessage.objects.get(
        complaint=complaint, audience=Audience.AGENCY, agency=world.public_works
    )
    assert _keys(recipients.resolve(message)) == {
        f"user:{world.operator.pk}",
        f"user:{world.liaison.pk}",
    }
    # Addressed to the sub-unit, the parent agency's staff act there too; the sub-unit's own
    # operator is left out because the complaint went to the parent, so they cannot see it.
    message.agency = world.public_works_unit
    assert _keys(recipients.resolve(message)) == {
        f"user:{world.operator.pk}",
        f"user:{world.liaison.pk}",
    }
    health = OutboxMessage.objects.get(
        complaint=complaint, audience=Audience.AGENCY, agency=world.health
    )
    assert _keys(recipients.resolve(health)) == {
        f"user:{world.health_operator.pk}",
        f"user:{world.health_liaison.pk}",
    }


def test_liaison_audience(world: World) -> None:
    complaint = make(world, "dispatched")
    from aduan.complaints.models import FollowUp

    draft = services.followup_draft(actor=world.operator, complaint=complaint, body="Dicek.")
    services.followup_submit(actor=world.operator, followup=draft)
    assert FollowUp.objects.filter(pk=draft.pk).exists()
    found = _resolve(complaint, Audience.AGENCY_LIAISON, "followup.submitted")
    assert _keys(found) == {f"user:{world.liaison.pk}"}


def test_leadership_audience(world: World) -> None:
    complaint = submit(world)
    message = OutboxMessage.objects.filter(complaint=complaint).first()
    assert message is not None
    message.audience = Audience.LEADERSHIP
    assert _keys(recipients.resolve(message)) == {f"user:{world.leadership.pk}"}


def test_inactive_staff_and_memberships_are_skipped(world: World) -> None:
    second = type(world.coordinator).objects.create(username="koordinator2", email="k2@x.org")
    Membership.objects.create(user=second, role=Role.COORDINATOR, is_active=False)
    world.coordinator.is_active = False
    world.coordinator.save()
    assert _resolve(submit(world), Audience.COORDINATORS) == []


def test_staff_who_cannot_see_the_complaint_are_not_told(world: World) -> None:
    """An AGENCY row for an agency without a dispatch (e.g. one withdrawn since) tells nobody."""
    complaint = submit(world)
    message = OutboxMessage.objects.filter(complaint=complaint).first()
    assert message is not None
    message.audience = Audience.AGENCY
    message.agency = world.education
    assert recipients.resolve(message) == []


def test_followers_are_the_reporters_of_merged_duplicates(world: World) -> None:
    survivor = submit(world)
    duplicate = submit(world, actor=None, reporter_phone="0813555666", reporter_name="Budi Santoso")
    services.complaint_merge(actor=world.coordinator, duplicate=duplicate, into=survivor)
    survivor = services.complaint_dispatch(
        actor=world.coordinator, complaint=survivor, lead_agency=world.public_works
    )
    [follower] = _resolve(survivor, Audience.FOLLOWERS, "complaint.dispatched")
    assert follower.key == f"guest:{duplicate.pk}"
    assert follower.via_tracking_id == duplicate.tracking_id
    assert follower.channels == (("sms", "+62813555666"),)
