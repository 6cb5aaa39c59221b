"""Fixtures for the citizen portal tests: a few regions, guests with their secret, a PNG."""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client

from aduan.agencies.models import Region
from aduan.complaints import services
from aduan.complaints.models import Complaint
from tests.world import World, make

GUEST_NAME = "Budi Santoso"
GUEST_PHONE = "081299990000"
GUEST_EMAIL = "budi.santoso@example.org"


def png_bytes() -> bytes:
    """A valid 1x1 PNG, built by hand (signature, IHDR, IDAT, IEND with CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")  # filter byte + one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """The home page's figures are cached; each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def en_client(client: Client) -> Client:
    """A visitor who chose English, so assertions on the portal's own texts survive their
    translation into Bahasa Indonesia."""
    client.cookies["aduan_language"] = "en"
    return client


@dataclass
class Places:
    province: Region
    padang: Region
    padang_district: Region
    padang_village: Region
    agam: Region
    agam_district: Region
    outside: Region


@pytest.fixture
def places(db: Any) -> Places:
    """A corner of Sumatera Barat (province 13) and one region of another province."""

    def region(code: str, name: str, level: int, kind: str, parent: Region | None) -> Region:
        return Region.objects.create(code=code, name=name, level=level, kind=kind, parent=parent)

    province = region("13", "Sumatera Barat", 1, "provinsi", None)
    padang = region("13.71", "Kota Padang", 2, "kota", province)
    padang_district = region("13.71.01", "Bungus Teluk Kabung", 3, "kecamatan", padang)
    padang_village = region("13.71.01.1001", "Bungus Barat", 4, "kelurahan", padang_district)
    agam = region("13.06", "Kabupaten Agam", 2, "kabupaten", province)
    agam_district = region("13.06.01", "Tanjung Mutiara", 3, "kecamatan", agam)
    other_province = region("12", "Sumatera Utara", 1, "provinsi", None)
    outside = region("12.71", "Kota Medan", 2, "kota", other_province)
    return Places(province, padang, padang_district, padang_village, agam, agam_district, outside)


GuestMaker = Callable[..., tuple[Complaint, str]]


@pytest.fixture
def guest_complaint(world: World) -> GuestMaker:
    """A guest's complaint driven into ``state`` through the services, and its secret."""

    def build(state: str = "submitted", **overrides: Any) -> tuple[Complaint, str]:
        fields: dict[str, Any] = {
            "actor": AnonymousUser(),
            "reporter_name": GUEST_NAME,
            "reporter_phone": GUEST_PHONE,
            "reporter_email": GUEST_EMAIL,
            "idempotency_key": uuid.uuid4().hex,
        }
        fields.update(overrides)
        complaint = make(world, state, **fields)
        # A retry with the same key returns the same complaint and, for a guest, its secret.
        replay = services.complaint_submit(
            **{"title": "retry", "description": "the same submission again", **fields}
        )
        assert replay.complaint.pk == complaint.pk and not replay.created
        assert replay.guest_secret
        return complaint, replay.guest_secret

    return build
