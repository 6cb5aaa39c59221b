"""Regressions found in review: idempotency keys bound to the client, staff tokens need TOTP
even when the role comes later, malformed input is a 4xx (never a 500, on PostgreSQL too), and
the categories' extra questions through the API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from aduan.accounts.models import Membership, Role
from aduan.agencies.models import CategoryField
from aduan.api.keys import apikey_create
from aduan.complaints.models import Complaint
from tests.api.conftest import Api
from tests.world import World

pytestmark = pytest.mark.django_db

GUEST = {
    "title": "Jalan berlubang",
    "description": "Lubang besar di Jalan Sudirman dekat pasar, sudah dua bulan.",
    "reporter_name": "Budi",
    "reporter_phone": "081299990000",
}


def test_another_client_repeating_a_key_and_contact_gets_no_complaint_or_secret(
    other_api: Api, world: World
) -> None:
    # Two ordinary clients: both submit on the "api" channel, where the service's own
    # idempotency would match them (the Super-App has a channel of its own).
    third_client, third_key = apikey_create(name="third-app")
    api = Api(third_key, third_client)
    first = api.post("/complaints/", GUEST, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == 201
    # Another program (or a forged one) with the same key and the victim's phone number.
    probe = other_api.post(
        "/complaints/", {**GUEST, "title": "Lain"}, headers={"Idempotency-Key": "order-1"}
    )
    assert probe.status_code == 201
    assert probe.json()["created"] is True
    assert probe.json()["tracking_id"] != first.json()["tracking_id"]
    assert probe.json()["secret"] != first.json()["secret"]
    assert Complaint.objects.count() == 2
    assert {c.channel for c in Complaint.objects.all()} == {"api"}
    # The same client retrying still gets its first answer back.
    again = api.post("/complaints/", GUEST, headers={"Idempotency-Key": "order-1"})
    assert again.json()["tracking_id"] == first.json()["tracking_id"]
    assert again.json()["secret"] == first.json()["secret"]


def test_a_token_from_before_a_staff_role_stops_working(
    api: Api, as_user: Callable[[Any], Api], world: World
) -> None:
    citizen = as_user(world.outsider)  # signed in without TOTP: not staff
    assert citizen.get("/complaints/mine/").status_code == 200
    Membership.objects.create(user=world.outsider, role=Role.COORDINATOR, agency=None)
    refused = citizen.get("/staff/complaints/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    # Signed in again with a TOTP code, the coordinator works.
    assert as_user(world.outsider).get("/staff/complaints/").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "adn_\x00\x00_secret"},
        {"X-API-Key": "adn_é_secret"},
    ],
)
def test_malformed_keys_are_401(api: Api, headers: dict[str, str]) -> None:
    response = api.django.get("/api/v1/categories/", headers=headers)
    assert response.status_code == 401


def test_a_malformed_user_token_is_401(api: Api) -> None:
    response = api.get("/complaints/mine/", headers={"Authorization": "Bearer adt_\x00_x"})
    assert response.status_code == 401


def test_a_code_with_a_nul_byte_is_400(api: Api, world: World) -> None:
    response = api.post("/complaints/", {**GUEST, "category": "\x00"})
    assert response.status_code == 400
    assert "category" in response.json()["errors"]
    assert not Complaint.objects.exists()


def _cursor(values: list[Any]) -> str:
    raw = json.dumps({"d": "next", "v": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["2026-01-01T00:00:00+07:00", 10**30],
        ["9999-12-31T23:59:59-23:00", 1],
        ["2026-01-01T00:00:00+07:00", "1\x00"],
    ],
)
def test_forged_cursors_are_400(api: Api, make_complaint: Any, values: list[Any]) -> None:
    make_complaint("dispatched")
    response = api.get("/public/complaints/", cursor=_cursor(values))
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_a_cursor_with_a_far_offset_still_pages(api: Api, make_complaint: Any) -> None:
    make_complaint("dispatched")
    # A valid instant written with an offset PostgreSQL does not accept as such.
    response = api.get("/public/complaints/", cursor=_cursor(["2099-01-01T00:00:00-23:00", 1]))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_deeply_nested_json_is_400(api: Api) -> None:
    response = api.django.post(
        "/api/v1/complaints/",
        "[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers=api.headers(),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.fixture
def pole_question(world: World) -> CategoryField:
    return CategoryField.objects.create(
        category=world.category,
        code="pole",
        datatype=CategoryField.Datatype.STRING,
        required=True,
        description="Nomor tiang",
    )


def test_categories_list_their_extra_questions(
    api: Api, pole_question: CategoryField, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        categories = api.get("/categories/").json()
    (jalan,) = [c for c in categories if c["code"] == "jalan"]
    assert jalan["extra_fields"][0]["code"] == "pole"
    assert jalan["extra_fields"][0]["required"] is True


def test_submit_answers_required_questions_through_the_api(
    api: Api, as_user: Callable[[Any], Api], world: World, pole_question: CategoryField
) -> None:
    missing = api.post("/complaints/", {**GUEST, "category": "jalan"})
    assert missing.status_code == 422
    assert "Nomor tiang" in missing.json()["detail"]
    unknown = api.post("/complaints/", {**GUEST, "category": "jalan", "attributes": {"x": "1"}})
    assert unknown.status_code == 422
    nested = api.post(
        "/complaints/", {**GUEST, "category": "jalan", "attributes": {"pole": {"a": 1}}}
    )
    assert nested.status_code == 422
    assert not Complaint.objects.exists()

    answered = api.post(
        "/complaints/", {**GUEST, "category": "jalan", "attributes": {"pole": " PJU-17 "}}
    )
    assert answered.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.attributes == {"pole": "PJU-17"}
    # Officers see the answers; the public does not.
    detail = as_user(world.coordinator).get(f"/staff/complaints/{complaint.tracking_id}/")
    assert detail.json()["attributes"] == {"pole": "PJU-17"}


def test_the_request_fingerprint_is_keyed(api: Api, settings: Any) -> None:
    """The stored fingerprint covers the body (a sign-in's password too): it must not be a
    plain hash anyone reading the table can test guesses against."""
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from aduan.api.base import request_fingerprint

    def fingerprint() -> str:
        raw = APIRequestFactory().post(
            "/api/v1/auth/token/", {"username": "a", "password": "b"}, format="json"
        )
        return request_fingerprint(Request(raw, parsers=[JSONParser()]))

    first = fingerprint()
    assert first == fingerprint()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert fingerprint() != first


def test_multipart_submit_answers_with_dotted_names(
    api: Api, world: World, pole_question: CategoryField
) -> None:
    form = {**GUEST, "category": "jalan", "attributes.pole": "P7"}
    assert api.post("/complaints/", form, multipart=True).status_code == 201
    assert Complaint.objects.get().attributes == {"pole": "P7"}


def test_monitors_get_no_complaint_details_as_in_the_back_office(
    as_user: Callable[[Any], Api], world: World, make_complaint: Any
) -> None:
    complaint = make_complaint("dispatched", address_text="Jl. Melati 5, rumah Bu Siti")
    monitor = as_user(world.monitor)
    for response in (
        monitor.get("/staff/complaints/"),
        monitor.get(f"/staff/complaints/{complaint.tracking_id}/"),
        monitor.post(f"/staff/complaints/{complaint.tracking_id}/notes/", {"body": "x"}),
    ):
        assert response.status_code == 403
        assert "Melati" not in response.content.decode()
    admin = as_user(world.admin)
    assert admin.get(f"/staff/complaints/{complaint.tracking_id}/").status_code == 403
    assert as_user(world.operator).get("/staff/complaints/").status_code == 200
