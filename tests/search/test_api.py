"""``?q=`` on the public complaints list of the API, and on the portal's public list."""

from __future__ import annotations

import pytest
from django.test import Client

from aduan.api.keys import apikey_create
from tests.world import World, make

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/complaints/"


@pytest.fixture
def api_key(db: object) -> str:
    return apikey_create(name="search-tests")[1]


def test_api_public_list_searches_public_complaints(
    world: World, client: Client, api_key: str
) -> None:
    flood = make(world, "dispatched", title="Genangan di gang", description="Air setinggi lutut.")
    make(world, "dispatched", title="Jalan rusak", description="Di depan pasar besar.")
    make(world, "submitted", title="Banjir lagi", description="Belum diverifikasi.")
    response = client.get(URL, {"q": "kebanjiran gg"}, headers={"X-API-Key": api_key})
    assert response.status_code == 200
    assert [item["tracking_id"] for item in response.json()["results"]] == [flood.tracking_id]


def test_api_public_list_refuses_a_query_with_too_many_words(
    world: World, client: Client, api_key: str
) -> None:
    response = client.get(
        URL, {"q": " ".join(f"kata{n}" for n in range(11))}, headers={"X-API-Key": api_key}
    )
    assert response.status_code == 400
    assert "q" in str(response.json())


def test_portal_public_list_uses_the_full_text_search(world: World, client: Client) -> None:
    lamp = make(world, "dispatched", title="PJU padam", description="Gelap sekali di malam hari.")
    response = client.get("/laporan/", {"q": "penerangan jalan umum mati"})
    assert lamp.tracking_id in response.content.decode()
    many = client.get("/laporan/", {"q": "a-b-c-d-e-f-g-h-i-j-k-l"})
    assert many.status_code == 200
