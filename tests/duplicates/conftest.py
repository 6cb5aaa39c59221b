"""Fixtures for the duplicate-detection tests: a kecamatan with two kelurahan and another
kecamatan, clients in English, and submission at a chosen moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from aduan.agencies.models import Category, Region
from aduan.complaints.models import Complaint
from aduan.core import clock
from tests.world import World, frozen_at, make, staff_login

ROAD = "Jalan berlubang di depan pasar"
ROAD_TEXT = "Lubang besar di Jalan Sudirman dekat pasar Bungus, dua bulan tidak diperbaiki."
OTHER_TEXT = "Pelayanan akta kelahiran di kantor dinas lambat sekali, sudah empat minggu."


@dataclass
class Places:
    kecamatan: Region
    kelurahan: Region
    neighbour: Region  # another kelurahan of the same kecamatan
    elsewhere: Region  # a kelurahan of another kecamatan


@pytest.fixture
def places(db: Any) -> Places:
    def region(code: str, name: str, level: int, kind: str, parent: Region | None) -> Region:
        return Region.objects.create(code=code, name=name, level=level, kind=kind, parent=parent)

    province = region("13", "Sumatera Barat", 1, "provinsi", None)
    city = region("13.71", "Kota Padang", 2, "kota", province)
    kecamatan = region("13.71.01", "Bungus Teluk Kabung", 3, "kecamatan", city)
    other = region("13.71.02", "Koto Tangah", 3, "kecamatan", city)
    return Places(
        kecamatan=kecamatan,
        kelurahan=region("13.71.01.1001", "Bungus Barat", 4, "kelurahan", kecamatan),
        neighbour=region("13.71.01.1002", "Bungus Timur", 4, "kelurahan", kecamatan),
        elsewhere=region("13.71.02.1001", "Dadok", 4, "kelurahan", other),
    )


@pytest.fixture
def other_category(world: World) -> Category:
    return Category.objects.create(code="akta", name="Akta", default_agency=world.health)


MakeAt = Callable[..., Complaint]


@pytest.fixture
def make_at(world: World, places: Places) -> MakeAt:
    """``make_at(days_ago, state="submitted", **fields)``: a complaint submitted ``days_ago``
    days before now (negative: later), in the first kelurahan unless told otherwise."""

    def build(days_ago: float = 0, state: str = "submitted", **fields: Any) -> Complaint:
        fields.setdefault("title", ROAD)
        fields.setdefault("description", ROAD_TEXT)
        fields.setdefault("region", places.kelurahan)
        moment: datetime = clock.now() - timedelta(days=days_ago)
        with frozen_at(moment):
            return make(world, state, **fields)

    return build


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """A signed-in client for a world user, in English (the page's texts are message ids)."""

    def build(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return build
