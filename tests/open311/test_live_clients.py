"""The published Python clients against a live server: civicbot's Open311Client (services,
definition, a real POST that creates a complaint, token, requests) and georeport (services,
definitions and requests in XML and JSON), unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from civicbot import Endpoint, HttpError, HttpTransport, Open311Client
from civicbot.http import RateLimiter
from georeport import GeoReport

from aduan.agencies.models import Category
from aduan.api.keys import apikey_create
from aduan.complaints.models import Channel, Complaint
from aduan.open311.models import Open311Request
from tests.open311.conftest import BASE, add_questions
from tests.world import World, build_world, make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def live_world(transactional_db: Any, settings: Any, tmp_path: Any) -> Iterator[World]:
    yield build_world(settings, tmp_path)


@pytest.fixture
def lamp_category(live_world: World) -> Category:
    return add_questions(live_world)


def _civicbot(live_server: Any) -> Open311Client:
    endpoint = Endpoint(id="aduan", name="Aduan", base_url=f"{live_server.url}{BASE}", write=True)
    # No politeness delay between calls to our own test server.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport)


def test_civicbot_files_a_request_and_follows_it(
    live_server: Any, live_world: World, lamp_category: Category
) -> None:
    _client, key = apikey_create(name="civicbot")
    bot = _civicbot(live_server)
    services = {s["service_code"]: s for s in bot.list_services()}
    assert services["lampu-jalan"]["metadata"] is True
    assert services["lampu-jalan"]["group"] == "Jalan rusak"
    definition = bot.get_service_definition("lampu-jalan")
    assert [a["code"] for a in definition["attributes"]] == ["pole", "kind", "lamps"]

    # civicbot validates against the live definition (a required attribute is missing here).
    with pytest.raises(Exception, match="pole"):
        bot.create_request(
            "lampu-jalan",
            dry_run=False,
            confirm="SEND",
            api_key=key,
            validate_remote=True,
            lat=-0.9471,
            lng=100.4172,
            description="Lampu jalan mati.",
        )
    assert Complaint.objects.count() == 0

    prepared = bot.create_request(
        "lampu-jalan",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,
        lat=-0.9471,
        lng=100.4172,
        description="Lampu jalan mati sejak seminggu di depan masjid raya.",
        attributes={"pole": "PJU-17", "kind": "off", "lamps": 3},
        email="warga@example.org",
        first_name="Budi",
        last_name="Santoso",
        media_url="https://cdn.example.org/pju17.jpg",
    )
    (reply,) = prepared.response
    complaint = Complaint.objects.get()
    assert reply["service_request_id"] == complaint.tracking_id
    assert complaint.channel == Channel.OPEN311
    assert complaint.category == lamp_category
    assert complaint.attributes == {"pole": "PJU-17", "kind": "off", "lamps": 3}
    assert complaint.reporter_email == "warga@example.org"
    assert Open311Request.objects.get().media_url == "https://cdn.example.org/pju17.jpg"

    # The token resolves to the request; before verification it is not public.
    (token,) = bot.get_token(reply["token"])
    assert token["service_request_id"] == complaint.tracking_id
    with pytest.raises(HttpError) as missing:
        bot.get_request(complaint.tracking_id)
    assert missing.value.status == 404

    # Once dispatched it is public: civicbot reads it back, without personal data.
    from aduan.complaints import services as complaint_services

    complaint_services.complaint_dispatch(
        actor=live_world.coordinator, complaint=complaint, lead_agency=live_world.public_works
    )
    request = bot.get_request(complaint.tracking_id)
    assert request is not None
    assert request["status"] == "open"
    assert request["agency_responsible"] == "Dinas Pekerjaan Umum"
    assert request["media_url"] == "https://cdn.example.org/pju17.jpg"
    assert "Budi" not in str(request) and "warga@" not in str(request)
    listed = bot.list_requests(service_code="lampu-jalan", status="open", page_size=10)
    assert [r["service_request_id"] for r in listed] == [complaint.tracking_id]


def test_civicbot_post_with_a_bad_key_is_refused(live_server: Any, live_world: World) -> None:
    bot = _civicbot(live_server)
    with pytest.raises(HttpError) as refused:
        bot.create_request(
            "jalan",
            dry_run=False,
            confirm="SEND",
            api_key="adn_nope_nope",
            address_string="Jl. Sudirman",
            description="Jalan berlubang besar.",
            email="warga@example.org",
            first_name="Budi",
        )
    assert refused.value.status == 403
    assert '"code":403' in refused.value.body
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(
    live_server: Any, live_world: World, lamp_category: Category, fmt: str
) -> None:
    dispatched = make(live_world, "dispatched")
    resolved = make(live_world, "resolved")
    make(live_world, "submitted")  # not public
    client = GeoReport(f"{live_server.url}{BASE}", output_format=fmt)

    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"jalan", "lampu-jalan"}
    lamp = next(s for s in services if s["service_code"] == "lampu-jalan")
    assert str(lamp["metadata"]).lower() == "true"

    definition = client.get_service_definition("lampu-jalan")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["pole", "kind", "lamps"]

    requests = client.get_service_requests()
    assert {r["service_request_id"] for r in requests} == {
        dispatched.tracking_id,
        resolved.tracking_id,
    }
    statuses = {r["service_request_id"]: r["status"] for r in requests}
    assert statuses == {dispatched.tracking_id: "open", resolved.tracking_id: "closed"}

    single = client.get_service_request(resolved.tracking_id)
    assert single["service_request_id"] == resolved.tracking_id
    assert single["agency_responsible"] == "Dinas Pekerjaan Umum"
    assert single["status_notes"] == "Sudah dijadwalkan perbaikan."

    both = client.get_service_requests(
        service_request_id=f"{dispatched.tracking_id},{resolved.tracking_id}", status="closed"
    )
    # service_request_id overrides the other filters, as the specification says.
    assert {r["service_request_id"] for r in both} == {
        dispatched.tracking_id,
        resolved.tracking_id,
    }
