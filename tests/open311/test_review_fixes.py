"""Regressions found in review: malformed input to the Open311 server gets the
specification's error (400/403/404), never a 500 (PostgreSQL refuses NUL bytes and far
offsets; Python refuses dates past year 9999), and creates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aduan.agencies.models import Category
from aduan.complaints.models import Complaint
from tests.open311.conftest import BASE, post_form
from tests.world import World

pytestmark = pytest.mark.django_db


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body[0]["code"] == status
    return str(body[0]["description"])


@pytest.mark.parametrize(
    "query",
    [
        "service_request_id=%00",
        "service_code=%00",
        "status=open%00",
        "jurisdiction_id=%00",
        "page=%C2%B2",
        "page_size=%C2%B2",
        "page_size=99999999999999999999",
        "start_date=9999-12-31",
        "end_date=0001-01-01",
        "start_date=0001-01-01T00:00:00&end_date=0001-01-02",
    ],
)
def test_malformed_filters_are_400(world: World, client: Client, query: str) -> None:
    _error(client.get(f"{BASE}/requests.json?{query}"), 400)


@pytest.mark.parametrize(
    "offset", ["end_date=2026-01-01T00:00:00-23:00", "start_date=2026-01-01T00:00:00%2B23:00"]
)
def test_offsets_python_accepts_are_answered(world: World, client: Client, offset: str) -> None:
    response = client.get(f"{BASE}/requests.json?{offset}")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "path", ["/requests/%00.json", "/services/%00.json", "/tokens/%00.json", "/requests/a%01.xml"]
)
def test_names_with_control_characters_are_404(world: World, client: Client, path: str) -> None:
    response = client.get(f"{BASE}{path}")
    assert response.status_code == 404
    if path.endswith(".json"):
        _error(response, 404)


def test_a_malformed_api_key_is_403(world: World, client: Client, api_key: str) -> None:
    _error(client.post(f"{BASE}/requests.json", post_form(api_key="adn_\x00_x")), 403)
    _error(client.get(f"{BASE}/requests/SB-AAAA-AAAA.json?api_key=adn_%00_x"), 400)


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_name": "Si\x00ti"},
        {"address_string": "Jl.\x00Sudirman"},
        {"device_id": "\x00"},
        {"service_code": "\x00"},
        {"description": "Lubang besar di Jalan Sudirman\x00 dekat pasar."},
        {"attribute[pole]": "P\x001"},
        {"lat": "NaN", "long": "100.4"},
        {"lat": "-0.9", "long": "sNaN"},
    ],
)
def test_malformed_fields_are_400_and_create_nothing(
    world: World, client: Client, api_key: str, questions: Category, overrides: dict[str, str]
) -> None:
    form = post_form(api_key=api_key, service_code="lampu-jalan", **{"attribute[pole]": "P1"})
    form.update(overrides)
    _error(client.post(f"{BASE}/requests.json", form), 400)
    assert not Complaint.objects.exists()
