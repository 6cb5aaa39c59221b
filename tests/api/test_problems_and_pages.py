"""Problem details in the caller's language, keyset pages, query counts, schema and docs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from aduan.agencies.models import Agency
from aduan.complaints.models import Complaint
from tests.api.conftest import Api
from tests.world import World, make

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_problems_default_to_bahasa_indonesia_and_follow_accept_language(
    world: World, api: Api
) -> None:
    complaint = make(world, "submitted")
    path = f"/public/complaints/{complaint.tracking_id}/support/"
    indonesian = api.post(path, {"supporter_id": "x"})
    english = api.post(path, {"supporter_id": "x"}, headers={"Accept-Language": "en"})
    assert indonesian.status_code == english.status_code == 404
    assert indonesian["Content-Type"] == english["Content-Type"] == PROBLEM
    assert indonesian["Content-Language"] == "id" and english["Content-Language"] == "en"
    assert english.json()["detail"] == "No complaint with this tracking ID, or you may not see it."
    assert indonesian.json()["detail"] != english.json()["detail"]
    for body in (indonesian.json(), english.json()):
        assert set(body) >= {"type", "title", "status", "detail"}
        assert body["status"] == 404
    # Unsupported languages fall back to Bahasa Indonesia.
    french = api.get("/complaints/mine/", headers={"Accept-Language": "fr-FR, fr;q=0.9"})
    assert french["Content-Language"] == "id"


def test_field_errors_per_field_in_both_languages(world: World, api: Api) -> None:
    english = api.post("/complaints/", {"title": ""}, headers={"Accept-Language": "en-GB"})
    assert english.status_code == 400
    body = english.json()
    assert body["errors"]["title"] == ["This field may not be blank."]
    assert body["errors"]["description"] == ["This field is required."]
    indonesian = api.post("/complaints/", {"title": ""})
    assert indonesian.json()["errors"]["description"] != ["This field is required."]
    broken = api.django.post(
        "/api/v1/complaints/",
        "{not json",
        content_type="application/json",
        headers=api.headers(),
    )
    assert broken.status_code == 400 and broken["Content-Type"] == PROBLEM
    # The parser's own words (a Python decoder's message) are not passed on.
    assert broken.json()["code"] == "parse_error"
    assert "Expecting" not in broken.json()["detail"]


def test_the_frameworks_messages_are_in_bahasa_indonesia(world: World, api: Api) -> None:
    """Django REST framework's Indonesian catalogue lacks many of its messages; ours holds them
    (api/drf_messages.py)."""
    from aduan.api.drf_messages import MESSAGES

    with translation.override("id"):
        untranslated = [message for message in MESSAGES if gettext(message) == message]
    assert untranslated == []
    wrong = api.post(
        "/complaints/",
        {"title": ["a"], "latitude": "abc", "is_anonymous": "maybe", "category": "nope"},
    )
    errors = wrong.json()["errors"]
    assert errors["title"] == ["Bukan teks yang sah."]
    assert errors["latitude"] == ["Harus berupa angka yang sah."]
    assert errors["is_anonymous"] == ["Harus berupa nilai boolean yang sah (true atau false)."]
    assert errors["category"] == ["Objek dengan code=nope tidak ditemukan."]
    listed = api.django.post(
        "/api/v1/complaints/", "[1, 2]", content_type="application/json", headers=api.headers()
    )
    assert listed.json()["errors"]["non_field_errors"] == [
        "Data tidak sah: seharusnya sebuah objek (dictionary), bukan list."
    ]
    method = api.django.put("/api/v1/complaints/", "{}", headers=api.headers())
    assert method.status_code == 405
    assert method.json()["detail"] == 'Metode "PUT" tidak diizinkan.'


def test_a_body_too_large_is_a_problem_document(world: World, api: Api, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = {"title": "Jalan rusak", "description": "x" * (1024 * 1024)}
    for language, detail in (
        ("id", "Permintaan terlalu besar: seluruh isiannya paling banyak 1,0 MB."),
        ("en", "The request is too large: its fields may hold 1.0 MB together."),
    ):
        response = api.post("/complaints/", big, headers={"Accept-Language": language})
        assert response.status_code == 413 and response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "too_large"
        assert response.json()["detail"].startswith(detail)
    assert Complaint.objects.count() == 0


def test_control_characters_are_client_errors_not_server_errors(world: World, api: Api) -> None:
    # PostgreSQL refuses NUL in text: such input must be answered before it reaches a query.
    assert api.get("/public/complaints/SB%00X/").status_code == 404
    assert api.get("/complaints/SB%00X/", {"X-Tracking-Secret": "x"}).status_code == 404
    assert api.get("/public/complaints/", agency="D\x00PU").status_code == 400
    response = api.post("/complaints/", {}, headers={"Idempotency-Key": "a\x01b"})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]


def test_domain_errors_map_to_403_409_422(world: World, as_user: Any) -> None:
    complaint = make(world, "dispatched")
    leader = as_user(world.leadership)
    refused = leader.post(f"/staff/complaints/{complaint.tracking_id}/hold/", {"reason": "x"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    coordinator = as_user(world.coordinator)
    conflict = coordinator.post(f"/staff/complaints/{complaint.tracking_id}/hold/", {"reason": "x"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "transition_not_allowed"
    fresh = make(world, "submitted")
    invalid = coordinator.post(
        f"/staff/complaints/{fresh.tracking_id}/archive/", {"reason": "other"}
    )
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_input"


def test_keyset_pages_walk_every_complaint_once(world: World, api: Api) -> None:
    made = {make(world, "dispatched").tracking_id for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/public/complaints/", **params).json()
        seen += [c["tracking_id"] for c in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == made
    bad = api.get("/public/complaints/", cursor="not-a-cursor")
    assert bad.status_code == 400 and "cursor" in bad.json()["errors"]
    assert api.get("/public/complaints/", page_size=1000).status_code == 400


@pytest.mark.parametrize("rows", [3, 12])
def test_list_query_counts_do_not_grow_with_rows(
    world: World, api: Api, as_user: Any, rows: int, django_assert_max_num_queries: Any
) -> None:
    for index in range(rows):
        make(world, "dispatched", actor=world.reporter if index % 2 else world.outsider)
    coordinator = as_user(world.coordinator)
    owner = as_user(world.reporter)
    # Client key (+ its once-a-minute "last used" stamp), token (+ stamp), roles, one page.
    with django_assert_max_num_queries(3):
        assert len(api.get("/public/complaints/").json()["results"]) == rows
    with django_assert_max_num_queries(6):
        assert len(coordinator.get("/staff/complaints/").json()["results"]) == rows
    with django_assert_max_num_queries(6):
        assert len(owner.get("/complaints/mine/").json()["results"]) == (rows // 2)
    with django_assert_max_num_queries(3):  # categories and, in one more, their questions
        assert api.get("/categories/").status_code == 200
    assert Agency.objects.exists() and Complaint.objects.count() == rows


def test_schema_and_docs_are_served_without_a_cdn(db: Any) -> None:
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    document = yaml.safe_load(schema.content)
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/v1/complaints/"]["post"]
    assert operation["responses"]["422"]["content"][PROBLEM]
    assert {"ApiKey", "UserToken"} <= set(document["components"]["securitySchemes"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
