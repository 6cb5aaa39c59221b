"""A complaint given back to the coordinator (a dispatch taken back by hand, an automatic
dispatch undone, a lead dispatch declined) shows one neutral step, ``complaint.returned``, to
the reporter (track page, API timeline), to the public and to webhooks; never the internal
reason, the agency that gave it back, or the word "automatic". The reporter is not notified."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from aduan.api.keys import apikey_create
from aduan.api.models import WebhookDelivery
from aduan.api.webhooks import submission_record, webhook_collect
from aduan.complaints import services
from aduan.complaints.models import Complaint, Status
from aduan.core.models import AuditEvent
from aduan.notifications.models import Audience, OutboxMessage
from aduan.routing import services as routing_services
from tests.api.conftest import Api, token_for
from tests.routing.test_undo_notifications import _auto_dispatched
from tests.world import World, lead_dispatch, staff_login, submit

pytestmark = pytest.mark.django_db

REASON = "Salah kirim, ini urusan bidang lain"
RETURNED = "The report was returned to the coordinator, to be sent to the right agency."
PUBLIC_RETURNED = "Returned to the coordinator, to be sent to the right agency."
PATHS = ["withdrawn", "auto_undone", "declined"]


def _dispatched(world: World, path: str) -> Complaint:
    if path == "auto_undone":
        return _auto_dispatched(world)  # to Dinas Pendidikan
    complaint = submit(world)
    return services.complaint_dispatch(
        actor=world.coordinator,
        complaint=complaint,
        lead_agency=world.public_works,
        supporting_agencies=[world.education],
    )


def _give_back(world: World, path: str, complaint: Complaint) -> None:
    if path == "withdrawn":
        services.dispatch_withdraw(actor=world.coordinator, complaint=complaint, reason=REASON)
    elif path == "auto_undone":
        routing_services.auto_dispatch_undo(
            actor=world.coordinator, complaint=complaint, reason=REASON
        )
    else:
        services.dispatch_decline(
            actor=world.liaison, dispatch=lead_dispatch(complaint), reason=REASON
        )


def _english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _assert_neutral(text: str) -> None:
    assert REASON not in text
    assert "automatic" not in text.lower()
    assert "declin" not in text.lower()


@pytest.mark.parametrize("path", PATHS)
def test_the_reporter_the_api_and_webhooks_see_one_neutral_step(world: World, path: str) -> None:
    client, key = apikey_create(name="superapp")
    api = Api(key, client)
    subscribed = api.post(
        "/webhooks/",
        {"url": "https://app.example/hooks", "events": ["complaint.returned"]},
    )
    assert subscribed.status_code == 201, subscribed.json()
    complaint = _dispatched(world, path)
    submission_record(client=client, complaint=complaint)
    to_reporter = OutboxMessage.objects.filter(audience=Audience.REPORTER).count()

    _give_back(world, path, complaint)

    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    [event] = AuditEvent.objects.filter(action="complaint.returned", target_id=str(complaint.pk))
    assert event.data == {}
    # Not notified: nothing is asked of the reporter.
    assert OutboxMessage.objects.filter(audience=Audience.REPORTER).count() == to_reporter
    assert not OutboxMessage.objects.filter(event="complaint.returned").exists()

    reporter = _english(Client())
    reporter.force_login(world.reporter)
    track = reporter.get(f"/lacak/{complaint.tracking_id}/").content.decode()
    assert "The coordinator verified the report and sent it to" in track
    assert track.index(RETURNED) > track.index("The coordinator verified the report")
    _assert_neutral(track)

    body = api.as_user(token_for(api, world.reporter)).get(f"/complaints/{complaint.tracking_id}/")
    timeline = body.json()["timeline"]
    assert [step["action"] for step in timeline] == [
        "complaint.submitted",
        "complaint.dispatched",
        "complaint.returned",
    ]
    assert timeline[-1]["data"] == {} and timeline[-1]["actor"] == ""
    assert REASON not in body.content.decode()

    assert webhook_collect(subscription_id=subscribed.json()["id"]) == 1
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.payload["event"] == "complaint.returned"
    assert delivery.payload["data"] == {}
    assert delivery.payload["complaint"]["status"] == "submitted"
    assert REASON not in json.dumps(delivery.payload)

    # Staff read what the reporter was shown, next to the internal step and its reason.
    staff = _english(Client())
    staff_login(staff, world.coordinator)
    page = staff.get(f"/staf/aduan/{complaint.tracking_id}/").content.decode()
    assert "Shown to the reporter: returned to the coordinator" in page
    assert REASON in page


@pytest.mark.parametrize("path", PATHS)
def test_the_public_page_shows_the_step_without_the_agency(world: World, path: str) -> None:
    complaint = _dispatched(world, path)
    first = lead_dispatch(complaint).agency
    _give_back(world, path, complaint)
    public = _english(Client())
    # Awaiting verification again, it is not public.
    assert public.get(f"/laporan/{complaint.tracking_id}/").status_code == 404

    services.complaint_dispatch(
        actor=world.coordinator, complaint=complaint, lead_agency=world.health
    )

    page = public.get(f"/laporan/{complaint.tracking_id}/").content.decode()
    sent_somewhere = page.index("Verified and sent to an agency.")
    returned = page.index(PUBLIC_RETURNED)
    sent_to_health = page.index("Verified and sent to Dinas Kesehatan.")
    assert sent_somewhere < returned < sent_to_health
    assert first.name not in page
    _assert_neutral(page)


def test_a_declined_supporting_dispatch_is_no_return(world: World, make_complaint: Any) -> None:
    complaint = services.complaint_dispatch(
        actor=world.coordinator,
        complaint=make_complaint("submitted"),
        lead_agency=world.public_works,
        supporting_agencies=[world.health],
    )
    support = complaint.dispatches.get(agency=world.health)
    services.dispatch_decline(actor=world.health_liaison, dispatch=support, reason=REASON)

    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    assert not AuditEvent.objects.filter(action="complaint.returned").exists()
    page = _english(Client()).get(f"/laporan/{complaint.tracking_id}/").content.decode()
    assert PUBLIC_RETURNED not in page
    assert "Verified and sent to Dinas Pekerjaan Umum." in page
