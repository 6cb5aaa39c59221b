"""The GeoReport v2 endpoints through Django's test client: formats, filters, privacy, and every
error case (which must create nothing)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aduan.agencies.models import Category
from aduan.api.models import ApiSubmission
from aduan.complaints import services
from aduan.complaints.models import Attachment, Channel, Clock, Complaint
from aduan.core import clock
from aduan.open311.models import Open311Request
from tests.open311.conftest import BASE, post_form
from tests.world import World, frozen_at, make, publish_followup

# A 1x1 PNG: a real image, so the attachment checks accept it.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response.content
    return json.loads(response.content)


def _xml(response: Any) -> ElementTree.Element:
    assert response["Content-Type"].startswith("text/xml"), response.content
    return ElementTree.fromstring(response.content)


def _nothing_created() -> None:
    assert Complaint.objects.count() == 0
    assert Open311Request.objects.count() == 0
    assert Attachment.objects.count() == 0


# --- discovery and services ----------------------------------------------------------------


def test_discovery_in_both_formats(client: Client, db: Any) -> None:
    data = _json(client.get(f"{BASE}/discovery.json"))
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_categories_with_group_and_metadata(
    client: Client, world: World, questions: Category
) -> None:
    Category.objects.create(code="lama", name="Tidak dipakai", is_active=False)
    services = {s["service_code"]: s for s in _json(client.get(f"{BASE}/services.json"))}
    assert set(services) == {"jalan", "lampu-jalan"}
    assert services["lampu-jalan"] == {
        "service_code": "lampu-jalan",
        "service_name": "Lampu jalan mati",
        "description": "Penerangan jalan umum yang padam.",
        "metadata": True,
        "type": "realtime",
        "keywords": "lampu,penerangan,pju",
        "group": "Jalan rusak",
    }
    assert services["jalan"]["metadata"] is False
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    lamp = next(s for s in root.iter("service") if s.findtext("service_code") == "lampu-jalan")
    assert lamp.findtext("metadata") == "true"
    assert lamp.findtext("group") == "Jalan rusak"


def test_service_definition(client: Client, world: World, questions: Category) -> None:
    data = _json(client.get(f"{BASE}/services/lampu-jalan.json"))
    assert data["service_code"] == "lampu-jalan"
    assert [a["code"] for a in data["attributes"]] == ["pole", "kind", "lamps"]
    pole, kind, _lamps = data["attributes"]
    assert pole == {
        "variable": True,
        "code": "pole",
        "datatype": "string",
        "required": True,
        "datatype_description": "Tertulis di tiang",
        "order": 1,
        "description": "Nomor tiang",
        "values": [],
    }
    assert kind["values"] == [{"key": "off", "name": "Mati"}, {"key": "blink", "name": "Berkedip"}]
    root = _xml(client.get(f"{BASE}/services/lampu-jalan.xml"))
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("off", "Mati"),
        ("blink", "Berkedip"),
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_format(
    client: Client, world: World, fmt: str
) -> None:
    response = client.get(f"{BASE}/services/nope.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        (problem,) = _json(response)
        assert problem["code"] == 404 and "nope" in problem["description"]
    else:
        root = _xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert "nope" in (root.findtext("error/description") or "")


def test_errors_follow_accept_language(client: Client, world: World) -> None:
    english = _json(client.get(f"{BASE}/services/nope.json", HTTP_ACCEPT_LANGUAGE="en"))
    assert english == [{"code": 404, "description": "Unknown service_code “nope”."}]


# --- POST requests -------------------------------------------------------------------------


def test_post_creates_a_complaint_on_the_open311_channel(
    client: Client, world: World, api_key: str
) -> None:
    response = client.post(
        f"{BASE}/requests.json",
        post_form(api_key=api_key, media_url="https://cdn.example.org/p/1.jpg", device_id="d-1"),
    )
    assert response.status_code == 200, response.content
    (reply,) = _json(response)
    assert set(reply) == {"service_request_id", "service_notice", "account_id", "token"}
    assert reply["account_id"] is None
    complaint = Complaint.objects.get()
    assert reply["service_request_id"] == complaint.tracking_id
    assert complaint.channel == Channel.OPEN311
    assert complaint.category == world.category
    assert str(complaint.latitude) == "-0.947100" and str(complaint.longitude) == "100.417200"
    assert complaint.title == "Lubang besar di Jalan Sudirman dekat pasar."
    assert complaint.reporter_name == "Siti Rahmawati"
    assert complaint.reporter_phone == "+6281234567890"
    stored = Open311Request.objects.get()
    assert stored.media_url == "https://cdn.example.org/p/1.jpg"
    assert stored.device_id == "d-1"
    # The client's webhooks follow it like a complaint filed through /api/v1/.
    assert ApiSubmission.objects.get(complaint=complaint).client == stored.client
    # The token endpoint finds it.
    (token,) = _json(client.get(f"{BASE}/tokens/{reply['token']}.json"))
    assert token == {"service_request_id": complaint.tracking_id, "token": reply["token"]}
    root = _xml(client.get(f"{BASE}/tokens/{reply['token']}.xml"))
    assert root.findtext("request/service_request_id") == complaint.tracking_id


def test_post_xml_answer(client: Client, world: World, api_key: str) -> None:
    root = _xml(client.post(f"{BASE}/requests.xml", post_form(api_key=api_key)))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Complaint.objects.get().tracking_id
    assert root.find("request/account_id") is not None


def test_post_with_address_only_and_without_description(
    client: Client, world: World, api_key: str
) -> None:
    response = client.post(
        f"{BASE}/requests.json",
        post_form(api_key=api_key, lat=None, long=None, description=None, address_string="Jl. A"),
    )
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get()
    assert complaint.latitude is None and complaint.address_text == "Jl. A"
    assert complaint.title == "Jalan rusak"
    assert "Jalan rusak" in complaint.description


def test_post_with_attributes_and_media(
    client: Client, world: World, questions: Category, api_key: str
) -> None:
    form = post_form(
        api_key=api_key,
        service_code="lampu-jalan",
        **{"attribute[pole]": "PJU-17", "attribute[kind]": "blink", "attribute[lamps]": "2"},
    )
    form["media"] = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get()
    assert complaint.attributes == {"pole": "PJU-17", "kind": "blink", "lamps": 2}
    attachment = Attachment.objects.get()
    assert attachment.complaint == complaint and attachment.from_reporter
    assert attachment.content_type == "image/png"


def test_idempotency_key_replays_the_first_request(
    client: Client, world: World, api_key: str
) -> None:
    first = _json(
        client.post(f"{BASE}/requests.json", post_form(api_key=api_key), HTTP_IDEMPOTENCY_KEY="k1")
    )
    again = _json(
        client.post(f"{BASE}/requests.json", post_form(api_key=api_key), HTTP_IDEMPOTENCY_KEY="k1")
    )
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert first[0]["token"] == again[0]["token"]
    assert Complaint.objects.count() == 1 and Open311Request.objects.count() == 1
    client.post(f"{BASE}/requests.json", post_form(api_key=api_key), HTTP_IDEMPOTENCY_KEY="k2")
    assert Complaint.objects.count() == 2
    # The same key for another request is refused, not answered with the first one.
    other = client.post(
        f"{BASE}/requests.json",
        post_form(api_key=api_key, description="Lampu taman mati sejak kemarin malam."),
        HTTP_IDEMPOTENCY_KEY="k1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert other.status_code == 400
    assert "already used for a different request" in other.content.decode()
    assert Complaint.objects.count() == 2


BAD_POSTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("missing key", {"api_key": None}, 403, "api_key"),
    ("wrong key", {"api_key": "adn_0000_nope"}, 403, "api_key"),
    ("unknown service", {"service_code": "nope"}, 404, "nope"),
    ("no service", {"service_code": None}, 400, "service_code"),
    ("no location", {"lat": None, "long": None}, 400, "location"),
    ("lat without long", {"long": None}, 400, "lat"),
    ("latitude out of range", {"lat": "91"}, 400, "coordinates"),
    ("longitude out of range", {"long": "-181"}, 400, "coordinates"),
    ("not a number", {"lat": "abc"}, 400, "coordinates"),
    ("description too long", {"description": "x" * 4001}, 400, "4000"),
    ("bad e-mail", {"email": "nope"}, 400, "nope"),
    ("no contact", {"email": None, "phone": None}, 400, "phone"),
    ("no name", {"first_name": None, "last_name": None}, 400, "name"),
    ("bad media_url", {"media_url": "ftp://x/y.jpg"}, 400, "media_url"),
    ("unknown attribute", {"attribute[colour]": "red"}, 400, "colour"),
    ("other jurisdiction", {"jurisdiction_id": "elsewhere"}, 404, "jurisdiction"),
]


@pytest.mark.parametrize(
    ("changes", "status", "fragment"),
    [case[1:] for case in BAD_POSTS],
    ids=[case[0] for case in BAD_POSTS],
)
def test_bad_posts_create_nothing(
    client: Client,
    world: World,
    api_key: str,
    settings: Any,
    changes: dict[str, Any],
    status: int,
    fragment: str,
) -> None:
    settings.ADUAN_OPEN311_JURISDICTION_ID = "sumbar"
    form = post_form(api_key=api_key)
    form.update(changes)
    form = {key: value for key, value in form.items() if value is not None}
    response = client.post(f"{BASE}/requests.json", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, response.content
    (problem,) = _json(response)
    assert problem["code"] == status
    assert fragment in problem["description"]
    _nothing_created()


BAD_ATTRIBUTES: list[tuple[str, dict[str, Any], str]] = [
    ("required missing", {"attribute[kind]": "off"}, "Nomor tiang"),
    ("not a choice", {"attribute[pole]": "P1", "attribute[kind]": "smoke"}, "Jenis masalah"),
    ("not a number", {"attribute[pole]": "P1", "attribute[lamps]": "dua"}, "Jumlah lampu"),
    ("two answers to one", {"attribute[pole][]": ["P1", "P2"]}, "Nomor tiang"),
    ("answer too long", {"attribute[pole]": "P" * 501}, "Nomor tiang"),
]


@pytest.mark.parametrize(
    "changes", [case[1] for case in BAD_ATTRIBUTES], ids=[case[0] for case in BAD_ATTRIBUTES]
)
def test_bad_attributes_create_nothing(
    client: Client, world: World, questions: Category, api_key: str, changes: dict[str, Any]
) -> None:
    form = post_form(api_key=api_key, service_code="lampu-jalan", **changes)
    response = client.post(f"{BASE}/requests.xml", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    root = _xml(response)
    assert root.findtext("error/code") == "400"
    _nothing_created()


def test_bad_media_creates_nothing(client: Client, world: World, api_key: str) -> None:
    form = post_form(api_key=api_key)
    form["media"] = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", "image/png")
    response = client.post(f"{BASE}/requests.json", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not an allowed type" in _json(response)[0]["description"]
    _nothing_created()


def test_oversized_media_creates_nothing(
    client: Client, world: World, api_key: str, settings: Any
) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1024
    form = post_form(api_key=api_key)
    form["media"] = SimpleUploadedFile("besar.png", PNG + b"\x00" * 2048, "image/png")
    response = client.post(f"{BASE}/requests.json", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "too large" in _json(response)[0]["description"]
    _nothing_created()


def test_body_larger_than_allowed_files_is_refused_before_reading(
    client: Client, world: World, api_key: str, settings: Any
) -> None:
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.ADUAN_OPEN311_MAX_MEDIA_FILES = 1
    form = post_form(api_key=api_key)
    form["media"] = io.BytesIO(PNG + b"\x00" * 10_000)
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 400
    _nothing_created()


def test_broken_multipart_body_is_400(client: Client, world: World) -> None:
    response = client.post(
        f"{BASE}/requests.json",
        data=b"--nope\r\nbroken",
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    _nothing_created()


def test_wrong_method_is_405_in_the_spec_format(client: Client, db: Any) -> None:
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert _json(response)[0]["code"] == 405


# --- GET requests --------------------------------------------------------------------------


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in _json(response)]


def test_only_public_requests_are_listed_with_status_mapping(client: Client, world: World) -> None:
    states = ["submitted", "on_hold", "dispatched", "in_progress", "resolved", "closed"]
    made = {state: make(world, state) for state in [*states, "archived", "transferred"]}
    confidential = make(world, "dispatched", is_confidential=True)
    supervisory = services.complaint_dispatch(
        actor=world.coordinator,
        complaint=make(world, "submitted", is_supervisory=True),
        lead_agency=world.inspectorate_agency,
    )
    listed = {
        item["service_request_id"]: item for item in _json(client.get(f"{BASE}/requests.json"))
    }
    expected = {
        "dispatched": "open",
        "in_progress": "open",
        "resolved": "closed",
        "closed": "closed",
    }
    # A resolved request owes nothing more from officers: no expected_datetime.
    assert listed[made["resolved"].tracking_id]["expected_datetime"] == ""
    assert listed[made["dispatched"].tracking_id]["expected_datetime"] != ""
    assert {made[s].tracking_id: listed[made[s].tracking_id]["status"] for s in expected} == {
        made[s].tracking_id: status for s, status in expected.items()
    }
    assert set(listed) == {made[s].tracking_id for s in expected}
    assert confidential.tracking_id not in listed and supervisory.tracking_id not in listed
    assert set(_ids(client.get(f"{BASE}/requests.json", {"status": "open"}))) == {
        made["dispatched"].tracking_id,
        made["in_progress"].tracking_id,
    }
    assert set(_ids(client.get(f"{BASE}/requests.json", {"status": "closed,open"}))) == set(listed)


def test_request_fields_carry_no_personal_data(client: Client, world: World) -> None:
    complaint = make(
        world,
        "in_progress",
        latitude="-0.9471234",
        longitude="100.4172345",
        address_text="Rumah Bu Siti, Jl. Melati 5",
        reporter_phone="081234567890",
    )
    (item,) = _json(client.get(f"{BASE}/requests/{complaint.tracking_id}.json"))
    assert item["service_request_id"] == complaint.tracking_id
    assert item["status"] == "open"
    assert item["status_notes"] == "Sudah dijadwalkan perbaikan."
    assert item["agency_responsible"] == "Dinas Pekerjaan Umum"
    assert item["service_code"] == "jalan" and item["service_name"] == "Jalan rusak"
    assert item["lat"] == -0.947 and item["long"] == 100.417
    assert item["address"] == ""
    resolution = complaint.clocks.get(kind=Clock.Kind.RESOLUTION)
    assert item["expected_datetime"] == timezone.localtime(resolution.due_at).isoformat(
        timespec="seconds"
    )
    assert item["requested_datetime"].endswith("+07:00")
    text = json.dumps(item)
    for secret in ("Siti", "Rahmawati", "warga", "6281234567890", "Melati", "example.org"):
        assert secret not in text
    # A later follow-up becomes the status notes.
    publish_followup(world, complaint, "Perbaikan selesai minggu depan.")
    (item,) = _json(client.get(f"{BASE}/requests/{complaint.tracking_id}.json"))
    assert item["status_notes"] == "Perbaikan selesai minggu depan."


def test_single_request_in_xml_and_unknown_ids(client: Client, world: World) -> None:
    complaint = make(world, "dispatched")
    root = _xml(client.get(f"{BASE}/requests/{complaint.tracking_id.lower()}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == complaint.tracking_id
    assert root.findtext("request/status") == "open"
    hidden = make(world, "submitted")
    for unknown in ("SB-XXXX-XXXX", hidden.tracking_id):
        response = client.get(f"{BASE}/requests/{unknown}.xml")
        assert response.status_code == 404
        assert _xml(response).findtext("error/code") == "404"
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_the_submitting_client_sees_its_request_before_verification(
    client: Client, world: World, api_key: str
) -> None:
    (reply,) = _json(client.post(f"{BASE}/requests.json", post_form(api_key=api_key)))
    url = f"{BASE}/requests/{reply['service_request_id']}.json"
    assert client.get(url).status_code == 404
    (item,) = _json(client.get(url, {"api_key": api_key}))
    assert item["status"] == "open" and item["agency_responsible"] == ""
    assert "Siti" not in json.dumps(item)
    from aduan.api.keys import apikey_create

    _other, other_key = apikey_create(name="Aplikasi lain")
    assert client.get(url, {"api_key": other_key}).status_code == 404


def test_filters_by_id_service_and_window(
    client: Client, world: World, questions: Category
) -> None:
    now = clock.now()
    with frozen_at(now - timedelta(days=120)):
        old = make(world, "dispatched")
    road = make(world, "dispatched")
    lamp = make(world, "dispatched", category=questions, attributes={"pole": "P1"})
    assert set(_ids(client.get(f"{BASE}/requests.json"))) == {road.tracking_id, lamp.tracking_id}
    assert _ids(client.get(f"{BASE}/requests.json", {"service_code": "lampu-jalan"})) == [
        lamp.tracking_id
    ]
    ids = f"{old.tracking_id},{lamp.tracking_id}"
    assert set(_ids(client.get(f"{BASE}/requests.json", {"service_request_id": ids}))) == {
        old.tracking_id,
        lamp.tracking_id,
    }
    window = {
        "start_date": (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%S+07:00"),
        "end_date": (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+07:00"),
    }
    assert _ids(client.get(f"{BASE}/requests.json", window)) == [old.tracking_id]
    # A date alone is a day (in Jakarta, as the server reads it); an unescaped "+" arrives as a
    # space and still parses.
    day = timezone.localdate(now - timedelta(days=120)).isoformat()
    assert _ids(client.get(f"{BASE}/requests.json", {"start_date": day, "end_date": day})) == [
        old.tracking_id
    ]
    raw = window["start_date"].replace("+", " ")
    response = client.get(f"{BASE}/requests.json?start_date={raw}")
    assert response.status_code == 200
    assert old.tracking_id in _ids(response)


def test_page_and_page_size(client: Client, world: World) -> None:
    made = [make(world, "dispatched") for _ in range(5)]
    newest_first = [c.tracking_id for c in reversed(made)]
    pages = [
        _ids(client.get(f"{BASE}/requests.json", {"page_size": 2, "page": page}))
        for page in (1, 2, 3, 4)
    ]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5], []]


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"},
        {"status": "pending"},
        {"page": "0"},
        {"page_size": "1001"},
        {"page_size": "abc"},
        {"page": "100", "page_size": "1000"},
    ],
)
def test_bad_queries_are_400(client: Client, world: World, query: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.json", query)
    assert response.status_code == 400, response.content
    assert _json(response)[0]["code"] == 400


def test_list_is_one_query_however_many_requests(client: Client, world: World) -> None:
    for state in ("dispatched", "in_progress", "resolved", "closed"):
        make(world, state)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}/requests.json")
    assert len(_ids(response)) == 4
    assert len(queries) == 1, [q["sql"] for q in queries]
    for _ in range(3):
        make(world, "in_progress")
    with CaptureQueriesContext(connection) as queries:
        assert len(_ids(client.get(f"{BASE}/requests.xml".replace(".xml", ".json")))) == 7
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        root = _xml(client.get(f"{BASE}/requests.xml"))
    assert len(root.findall("request")) == 7
    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "COUNT(" not in sql


def test_address_id_is_a_location(client: Client, world: World, api_key: str) -> None:
    form = post_form(api_key=api_key, lat=None, long=None, address_id="A-17")
    assert client.post(f"{BASE}/requests.json", form).status_code == 200
    assert "A-17" in Complaint.objects.get().address_text


def test_jurisdiction_id_is_checked_when_configured(
    client: Client, world: World, settings: Any
) -> None:
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "x"}).status_code == 200
    settings.ADUAN_OPEN311_JURISDICTION_ID = "sumbar"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "sumbar"}).status_code == 200
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "x"})
    assert response.status_code == 404
    assert _xml(response).findtext("error/code") == "404"


def test_xml_stays_well_formed_with_control_characters(client: Client, world: World) -> None:
    make(world, "dispatched", description="Jalan rusak\x0b parah\x01 sekali di pasar.")
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert root.findtext("request/description") == "Jalan rusak parah sekali di pasar."


def test_typed_address_is_published_only_when_configured(
    client: Client, world: World, settings: Any
) -> None:
    complaint = make(world, "dispatched", address_text="Jl. Sudirman 1")
    url = f"{BASE}/requests/{complaint.tracking_id}.json"
    assert _json(client.get(url))[0]["address"] == ""
    settings.ADUAN_OPEN311_PUBLISH_ADDRESS = True
    settings.ADUAN_OPEN311_COORDINATE_DECIMALS = 6
    assert _json(client.get(url))[0]["address"] == "Jl. Sudirman 1"


def test_too_many_fields_is_400_in_the_spec_format(
    client: Client, world: World, api_key: str, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    form = post_form(api_key=api_key, **{f"attribute[a{i}]": "x" for i in range(30)})
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 400
    assert _json(response)[0]["code"] == 400
    _nothing_created()
