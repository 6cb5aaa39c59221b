"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signed, retried with backoff,
dead after the last attempt, and one delivery per event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings

from aduan.api.models import WebhookDelivery, WebhookSubscription
from aduan.api.tasks import webhooks_dispatch
from aduan.api.webhooks import _claim, sign, webhook_collect, webhooks_run
from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.core import clock
from tests.api.conftest import Api
from tests.api.test_citizen import GUEST, REPORT
from tests.simulators.base import serve
from tests.simulators.webhook_receiver import WebhookReceiver
from tests.world import World, frozen_at, make

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = ["complaint.dispatched", "complaint.held", "complaint.resolved"]


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    app = WebhookReceiver()
    with serve(app) as url:
        yield app, url


def subscribe(api: Api, url: str, receiver: WebhookReceiver, events: list[str] = EVENTS) -> int:
    response = api.post("/webhooks/", {"url": f"{url}/hooks/aduan", "events": events})
    assert response.status_code == 201, response.json()
    receiver.secret = response.json()["secret"]
    return int(response.json()["id"])


def submit_via(api: Api) -> Complaint:
    response = api.post("/complaints/", {**REPORT, **GUEST})
    return Complaint.objects.get(tracking_id=response.json()["tracking_id"])


def test_subscription_secret_is_shown_once(world: World, api: Api, other_api: Api) -> None:
    created = api.post("/webhooks/", {"url": "http://127.0.0.1:9/x", "events": EVENTS})
    assert created.status_code == 201 and len(created.json()["secret"]) > 20
    listed = api.get("/webhooks/").json()
    assert listed and "secret" not in listed[0]
    assert other_api.get("/webhooks/").json() == []
    assert other_api.delete(f"/webhooks/{created.json()['id']}/").status_code == 404
    assert api.delete(f"/webhooks/{created.json()['id']}/").status_code == 204
    assert api.get("/webhooks/").json() == []
    bad = api.post("/webhooks/", {"url": "ftp://example.org/x", "events": EVENTS})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    unknown = api.post("/webhooks/", {"url": "http://127.0.0.1:9/x", "events": ["nope"]})
    assert unknown.status_code == 400


def test_status_changes_of_its_complaints_are_delivered_once_and_signed(
    world: World, api: Api, other_api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    subscribe(api, url, app)
    mine = submit_via(api)
    theirs = submit_via(other_api)
    for complaint in (mine, theirs):
        services.complaint_dispatch(
            actor=world.coordinator, complaint=complaint, lead_agency=world.public_works
        )
    services.note_add(actor=world.coordinator, complaint=mine, body="internal")  # not an event
    result = webhooks_run()
    assert result == {"created": 1, "delivered": 1, "failed": 0, "dead": 0}
    assert app.bad_signatures == 0
    (payload,) = app.accepted
    assert payload["event"] == "complaint.dispatched"
    assert payload["complaint"] == {"tracking_id": mine.tracking_id, "status": "dispatched"}
    assert payload["data"] == {"lead_agency": "DPU"}
    assert payload["occurred_at"].endswith("+07:00")  # local time, as the rest of the API
    assert "Budi" not in str(payload)
    # Running again sends nothing new; a new event is delivered exactly once.
    assert webhooks_run() == {"created": 0, "delivered": 0, "failed": 0, "dead": 0}
    assert WebhookDelivery.objects.count() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "delivered" and delivery.attempts == 1


def test_signature_matches_the_body_with_the_secret(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    subscribe(api, url, app)
    app.secret = "not-the-secret"
    complaint = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    result = webhooks_run()
    assert result["failed"] == 1 and app.bad_signatures == 1 and app.accepted == []
    secret = WebhookSubscription.objects.get().secret
    assert sign(secret, b"{}") == sign(secret, b"{}") != sign("other", b"{}")


def test_failed_attempts_are_retried_with_backoff(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    app.fail_first = 1
    subscribe(api, url, app)
    complaint = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    assert webhooks_run()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at > clock.now()
    assert webhooks_run()["delivered"] == 0  # not due yet
    with frozen_at(
        clock.now() + timedelta(seconds=django_settings.ADUAN_WEBHOOK_RETRY_SECONDS + 1)
    ):
        assert webhooks_run()["delivered"] == 1
    assert [item["event"] for item in app.accepted] == ["complaint.held"]
    assert app.attempts == {delivery.event_id: 2}


def test_dead_after_the_last_attempt(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str], settings: Any
) -> None:
    settings.ADUAN_WEBHOOK_MAX_ATTEMPTS = 3
    app, url = receiver
    app.always_fail = True
    subscribe(api, url, app)
    complaint = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    outcomes = []
    moment = clock.now()
    for _attempt in range(4):
        with frozen_at(moment):
            outcomes.append(webhooks_run())
        moment += timedelta(hours=7)  # beyond the longest backoff
    assert [o["failed"] for o in outcomes] == [1, 1, 0, 0]
    assert [o["dead"] for o in outcomes] == [0, 0, 1, 0]
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "dead" and delivery.attempts == 3
    assert sum(app.attempts.values()) == 3


def test_periodic_task_is_registered_and_runs(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    entry = django_settings.ADUAN_PERIODIC_TASKS["webhooks.dispatch"]
    assert entry["task"] == "aduan.api.tasks.webhooks_dispatch"
    app, url = receiver
    subscribe(api, url, app)
    make(world, "submitted")  # not submitted through the API: not "its" complaint
    complaint = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    result = webhooks_dispatch.call()
    assert result["delivered"] == 1 and len(app.accepted) == 1


def test_events_before_subscribing_are_not_sent_and_a_crashed_send_is_not_lost(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    before = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=before, reason="Lengkapi")
    subscribe(api, url, app)
    after = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=after, reason="Lengkapi")
    assert webhook_collect(subscription_id=WebhookSubscription.objects.get().pk) == 1
    # A worker claims the delivery and dies before sending: the claim is a lease.
    assert len(_claim(10)) == 1
    assert webhooks_run()["delivered"] == 0
    with frozen_at(clock.now() + timedelta(minutes=5)):
        assert webhooks_run()["delivered"] == 1
    assert [p["complaint"]["tracking_id"] for p in app.accepted] == [after.tracking_id]
    assert WebhookDelivery.objects.count() == 1


def test_the_submission_itself_is_an_event_of_the_client(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str]
) -> None:
    app, url = receiver
    subscribe(api, url, app, events=["complaint.submitted"])
    complaint = submit_via(api)
    assert webhooks_run()["delivered"] == 1
    (payload,) = app.accepted
    assert payload["event"] == "complaint.submitted"
    assert payload["complaint"] == {"tracking_id": complaint.tracking_id, "status": "submitted"}
    assert payload["id"] == WebhookDelivery.objects.get().event_id


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://192.168.1.10/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[fd00::1]/x",
    ],
)
def test_webhooks_to_private_addresses_are_refused_in_production(
    world: World, api: Api, settings: Any, url: str
) -> None:
    """An API client must not make the server send requests into the instansi's network."""
    settings.ADUAN_WEBHOOK_ALLOW_PRIVATE = False
    response = api.post("/webhooks/", {"url": url, "events": EVENTS})
    assert response.status_code == 422, response.json()
    assert (
        "public internet address"
        in api.post(
            "/webhooks/", {"url": url, "events": EVENTS}, headers={"Accept-Language": "en"}
        ).json()["detail"]
    )
    assert not WebhookSubscription.objects.exists()
    # A public address is accepted (an IP literal: nothing is resolved or sent here).
    public = api.post("/webhooks/", {"url": "https://93.184.215.14/x", "events": EVENTS})
    assert public.status_code == 201


def test_a_receiver_that_became_private_is_not_sent_to(
    world: World, api: Api, receiver: tuple[WebhookReceiver, str], settings: Any
) -> None:
    """Checked again on every send: a host can resolve elsewhere after it was subscribed."""
    app, url = receiver
    subscribe(api, url, app)  # allowed while developing on 127.0.0.1
    settings.ADUAN_WEBHOOK_ALLOW_PRIVATE = False
    complaint = submit_via(api)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    assert webhooks_run()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert "not a public address" in delivery.last_error
    assert app.accepted == []


def test_the_transport_connects_to_the_address_it_checked(monkeypatch: Any) -> None:
    """The request goes to the checked address, with the host's name for TLS and Host."""
    import httpx

    from aduan.api import egress

    sent: list[httpx.Request] = []

    def answer(self: Any, request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", answer)
    monkeypatch.setattr(egress, "_addresses", lambda host, port: ["93.184.215.14"])
    with httpx.Client(transport=egress.PublicOnlyTransport()) as http:
        assert http.post("https://hooks.example.org/aduan", content=b"{}").status_code == 204
    assert str(sent[0].url) == "https://93.184.215.14/aduan"
    assert sent[0].headers["Host"] == "hooks.example.org"
    assert sent[0].extensions["sni_hostname"] == "hooks.example.org"
    monkeypatch.setattr(egress, "_addresses", lambda host, port: ["93.184.215.14", "10.0.0.7"])
    with (
        httpx.Client(transport=egress.PublicOnlyTransport()) as http,
        pytest.raises(egress.PrivateAddress),
    ):
        http.post("https://hooks.example.org/aduan", content=b"{}")
