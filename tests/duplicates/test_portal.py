"""The portal's receipt offers similar public complaints (and only public ones)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aduan.complaints.models import Complaint
from tests.duplicates.conftest import MakeAt, Places
from tests.portal.test_submit import guest_post
from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_receipt_lists_similar_public_complaints_only(
    world: World, make_at: MakeAt, places: Places, client: Client
) -> None:
    public = make_at(3, state="dispatched")
    make_at(2)  # not verified yet: not public
    make_at(2, state="dispatched", is_confidential=True)
    make_at(2, state="dispatched", title="Akta", description="Akta kelahiran belum terbit.")
    data = guest_post(
        world,
        kabupaten_kota="13.71",
        kecamatan="13.71.01",
        desa=places.kelurahan.code,
        attachments=None,
    )
    assert client.post("/lapor/", data).status_code == 302
    html = client.get("/lapor/terkirim/").content.decode()
    assert re.findall(r'data-similar="([^"]+)"', html) == [public.tracking_id]
    assert f'href="/laporan/{public.tracking_id}/"' in html
    assert Complaint.objects.count() == 5


def test_no_similar_section_when_nothing_public_is_alike(
    world: World, make_at: MakeAt, places: Places, client: Client
) -> None:
    make_at(3, state="dispatched", title="Akta", description="Akta kelahiran belum terbit.")
    assert client.post("/lapor/", guest_post(world, attachments=None)).status_code == 302
    html = client.get("/lapor/terkirim/").content.decode()
    assert 'id="similar-public"' not in html
