"""The citizen pages name a report's place with its kecamatan and kabupaten/kota: short in the
lists (/ and /laporan/), spelled out on one report (/laporan/<ID>/, /lacak/<ID>/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.portal.conftest import GuestMaker
from tests.world import KotoBaru, World, koto_baru

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(world: World) -> KotoBaru:
    return koto_baru()


def test_the_public_list_names_the_parents(
    client: Client, make_complaint: Any, villages: KotoBaru
) -> None:
    make_complaint("dispatched", region=villages.solok)
    make_complaint("dispatched", region=villages.payakumbuh)

    html = client.get("/laporan/").content.decode()

    assert f"· {KotoBaru.SOLOK}" in html
    assert f"· {KotoBaru.PAYAKUMBUH}" in html


def test_the_public_list_costs_no_query_per_place(
    client: Client, make_complaint: Any, villages: KotoBaru
) -> None:
    for index in range(3):
        make_complaint("dispatched", region=[villages.solok, villages.payakumbuh][index % 2])
    with CaptureQueriesContext(connection) as three:
        assert client.get("/laporan/").content.decode().count(KotoBaru.SOLOK) == 2
    for _index in range(5):
        make_complaint("dispatched", region=villages.payakumbuh)
    with CaptureQueriesContext(connection) as eight:
        assert client.get("/laporan/").content.decode().count(KotoBaru.PAYAKUMBUH) == 6
    assert len(three) == len(eight)


def test_the_home_page_names_the_parents(
    client: Client, make_complaint: Any, villages: KotoBaru
) -> None:
    make_complaint("dispatched", region=villages.payakumbuh)

    html = client.get("/").content.decode()

    assert f"· {KotoBaru.PAYAKUMBUH}" in html


def test_the_public_report_spells_the_place_out(
    client: Client, make_complaint: Any, villages: KotoBaru
) -> None:
    complaint = make_complaint("dispatched", region=villages.solok)

    html = client.get(f"/laporan/{complaint.tracking_id}/").content.decode()

    assert f"<dd>{KotoBaru.SOLOK_FULL}</dd>" in html


def test_the_reporter_sees_the_place_spelled_out(
    world: World, client: Client, make_complaint: Any, villages: KotoBaru
) -> None:
    complaint = make_complaint("submitted", region=villages.payakumbuh)
    client.force_login(world.reporter)

    html = client.get(f"/lacak/{complaint.tracking_id}/").content.decode()

    assert f"<dd>{KotoBaru.PAYAKUMBUH_FULL}</dd>" in html


def test_a_guest_with_the_secret_sees_the_place_spelled_out(
    client: Client, guest_complaint: GuestMaker, villages: KotoBaru
) -> None:
    complaint, secret = guest_complaint("dispatched", region=villages.solok)
    client.post("/lacak/", {"tracking_id": complaint.tracking_id, "secret": secret})

    html = client.get(f"/lacak/{complaint.tracking_id}/").content.decode()

    assert f"<dd>{KotoBaru.SOLOK_FULL}</dd>" in html
