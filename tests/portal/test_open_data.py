"""Open data (issue 5): /data-terbuka/ page and its CSV and JSON downloads. Only public
complaints, only public columns, streamed in keyset chunks."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from aduan.complaints import services
from aduan.core.calendar import JAKARTA
from aduan.portal import opendata
from tests.portal.conftest import GUEST_EMAIL, GUEST_NAME, GUEST_PHONE, GuestMaker, Places
from tests.world import World, frozen_at, make

pytestmark = pytest.mark.django_db

SECRET_ADDRESS = "Jalan Rahasia Nomor 77"


def body(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(client: Client, query: str = "") -> list[dict[str, str]]:
    response = client.get("/data-terbuka/laporan.csv" + query)
    assert response.status_code == 200
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def json_rows(client: Client, query: str = "") -> list[dict[str, Any]]:
    response = client.get("/data-terbuka/laporan.json" + query)
    assert response.status_code == 200
    rows = json.loads(body(response))
    assert isinstance(rows, list)
    return rows


def test_only_public_complaints_are_in_both_files(world: World, client: Client) -> None:
    public = [make(world, state) for state in ("dispatched", "in_progress", "resolved", "closed")]
    hidden = [
        make(world, state) for state in ("submitted", "on_hold", "archived", "transferred")
    ] + [make(world, "in_progress", is_confidential=True)]
    supervisory = make(world, "submitted", is_supervisory=True)
    hidden.append(
        services.complaint_dispatch(
            actor=world.coordinator, complaint=supervisory, lead_agency=world.inspectorate_agency
        )
    )
    expected = [c.tracking_id for c in sorted(public, key=lambda c: c.pk)]

    assert [row["tracking_id"] for row in csv_rows(client)] == expected
    assert [row["tracking_id"] for row in json_rows(client)] == expected
    for complaint in hidden:
        assert complaint.tracking_id not in body(client.get("/data-terbuka/laporan.csv"))


def test_columns_and_values(world: World, client: Client, places: Places) -> None:
    complaint = make(world, "resolved", region=places.padang_village)
    complaint.refresh_from_db()

    (row,) = csv_rows(client)
    assert list(row) == opendata.NAMES
    assert row["tracking_id"] == complaint.tracking_id
    assert row["category_code"] == world.category.code
    assert row["category_name"] == world.category.name
    assert row["lead_agency_code"] == world.public_works.code
    assert row["lead_agency_name"] == world.public_works.name
    assert row["region_code"] == "13.71.01.1001"
    assert row["region_name"] == "Bungus Barat"
    assert row["status"] == "resolved"
    assert datetime.fromisoformat(row["submitted_at"]) == complaint.submitted_at
    assert row["submitted_at"].endswith("+07:00")  # local time, as the API gives it
    assert complaint.first_followup_at is not None and complaint.resolved_at is not None
    assert datetime.fromisoformat(row["first_followup_at"]) == complaint.first_followup_at
    assert datetime.fromisoformat(row["resolved_at"]) == complaint.resolved_at
    assert row["closed_at"] == "" and row["rating"] == "" and row["support_count"] == "0"

    (item,) = json_rows(client)
    assert list(item) == opendata.NAMES
    assert item["closed_at"] is None and item["support_count"] == 0
    assert item["region_code"] == "13.71.01.1001"


def test_no_personal_data_in_either_file(
    world: World, client: Client, guest_complaint: GuestMaker, places: Places
) -> None:
    guest_complaint(
        "in_progress",
        address_text=SECRET_ADDRESS,
        latitude="-0.951234",
        longitude="100.354321",
        region=places.padang,
    )
    make(world, "dispatched")  # by the signed-in reporter Siti Rahmawati

    for url in ("/data-terbuka/laporan.csv", "/data-terbuka/laporan.json"):
        text = body(client.get(url))
        assert text.count("Jalan berlubang") == 2
        for secret in (
            GUEST_NAME,
            GUEST_PHONE,
            GUEST_EMAIL,
            SECRET_ADDRESS,
            "-0.951234",
            "100.354321",
            "Rahmawati",
            "081234567890",
            world.reporter.email,
        ):
            assert secret not in text, (url, secret)


def test_downloads_cross_chunk_boundaries(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opendata, "CHUNK_SIZE", 2)
    complaints = [make(world, "dispatched") for _ in range(5)]
    expected = [c.tracking_id for c in complaints]

    assert [row["tracking_id"] for row in csv_rows(client)] == expected
    assert [row["tracking_id"] for row in json_rows(client)] == expected
    # Exactly one chunk full: the last (empty) query ends the file.
    monkeypatch.setattr(opendata, "CHUNK_SIZE", 5)
    assert [row["tracking_id"] for row in json_rows(client)] == expected


@pytest.mark.parametrize("count", [5, 50])
def test_queries_are_bounded_by_chunks_not_rows(
    world: World, client: Client, django_assert_max_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        make(world, "dispatched")
    for url in ("/data-terbuka/laporan.csv", "/data-terbuka/laporan.json"):
        with django_assert_max_num_queries(4):
            response = client.get(url)
            assert len(body(response).splitlines()) >= count


def test_year_filter_and_file_name(world: World, client: Client) -> None:
    with frozen_at(datetime(2025, 6, 15, 10, 0, tzinfo=JAKARTA)):
        old = make(world, "dispatched")
    new = make(world, "dispatched")
    this_year = new.submitted_at.astimezone(JAKARTA).year
    assert this_year != 2025

    assert [row["tracking_id"] for row in csv_rows(client, "?year=2025")] == [old.tracking_id]
    assert [r["tracking_id"] for r in json_rows(client, f"?year={this_year}")] == [new.tracking_id]
    assert len(csv_rows(client)) == 2
    response = client.get("/data-terbuka/laporan.csv?year=2025")
    assert response["Content-Disposition"] == 'attachment; filename="aduan-laporan-2025.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    response = client.get("/data-terbuka/laporan.json")
    assert response["Content-Disposition"] == 'attachment; filename="aduan-laporan-semua.json"'


@pytest.mark.parametrize("year", ["abc", "25", "20250", "1999", "2025-01"])
def test_a_bad_year_is_a_clear_400(world: World, en_client: Client, year: str) -> None:
    response = en_client.get("/data-terbuka/laporan.csv", {"year": year})
    assert response.status_code == 400
    assert "The year must be four digits" in response.content.decode()
    response = en_client.get("/data-terbuka/laporan.json", {"year": year})
    assert response.status_code == 400
    assert "The year must be four digits" in json.loads(response.content)["error"]
    response = en_client.get("/data-terbuka/", {"year": year})
    assert response.status_code == 400
    assert "The year must be four digits" in response.content.decode()


def test_the_page_explains_licence_dictionary_and_links(
    world: World, en_client: Client, settings: Any
) -> None:
    response = en_client.get("/data-terbuka/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Creative Commons Attribution 4.0 (CC BY 4.0)" in html
    assert 'href="/data-terbuka/laporan.csv"' in html
    assert 'href="/data-terbuka/laporan.json"' in html
    for name in opendata.NAMES:
        assert f"<code>{name}</code>" in html
    assert "in_progress (In progress)" in html

    settings.ADUAN_OPEN_DATA_LICENCE = "Open Data Commons"
    html = en_client.get("/data-terbuka/", {"year": "2025"}).content.decode()
    assert "Open Data Commons" in html
    assert 'href="/data-terbuka/laporan.csv?year=2025"' in html


def test_the_page_is_in_indonesian_by_default(world: World, client: Client) -> None:
    response = client.get("/data-terbuka/")
    assert response.status_code == 200
    assert 'lang="id"' in response.content.decode()
    # The status codes are explained with the labels the portal shows.
    assert "closed (Selesai)" in response.content.decode()
    assert "resolved (Menunggu tanggapan pelapor)" in response.content.decode()
    # A column type, not the "text" (isi) of a message.
    assert "<td>teks</td>" in response.content.decode()


def test_only_get(world: World, client: Client) -> None:
    assert client.post("/data-terbuka/laporan.csv").status_code == 405
