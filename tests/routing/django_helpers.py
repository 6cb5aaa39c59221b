"""Shared set-up for the routing app's Django tests: a small history of dispatched complaints
across three agencies with clearly different vocabularies, so a model trains in milliseconds
and should route new complaints right."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from aduan.agencies.models import Agency, Category
from aduan.complaints import services
from aduan.complaints.models import Complaint
from aduan.core import clock
from aduan.routing import services as routing_services
from tests.world import World, frozen_at, staff_login, submit

VOCABULARY = {
    "public_works": (
        "jalan berlubang aspal rusak parah",
        "saluran drainase tersumbat banjir",
        "jembatan retak trotoar ambles",
        "gorong gorong mampet genangan",
    ),
    "health": (
        "puskesmas antrean lama dokter",
        "obat habis di apotek puskesmas",
        "imunisasi balita posyandu bidan",
        "pasien rumah sakit perawat jutek",
    ),
    "education": (
        "sekolah guru tidak hadir mengajar",
        "ppdb zonasi siswa baru ditolak",
        "atap kelas sekolah bocor murid",
        "seragam buku pelajaran pungutan sekolah",
    ),
}


def text_for(kind: str, rng: random.Random) -> tuple[str, str]:
    phrases = VOCABULARY[kind]
    first, second = rng.sample(phrases, 2)
    return first.capitalize(), f"Mohon bantuan, {first} dan {second} sejak minggu lalu."


def categories(world: World) -> dict[str, Category]:
    """One category per agency (the world's "jalan" for public works)."""
    return {
        "public_works": world.category,
        "health": Category.objects.get_or_create(
            code="kesehatan", defaults={"name": "Layanan kesehatan", "default_agency": world.health}
        )[0],
        "education": Category.objects.get_or_create(
            code="pendidikan",
            defaults={"name": "Layanan pendidikan", "default_agency": world.education},
        )[0],
    }


def agency(world: World, kind: str) -> Agency:
    return {
        "public_works": world.public_works,
        "health": world.health,
        "education": world.education,
    }[kind]


def build_history(
    world: World, per_agency: int = 14, seed: int = 7, start: datetime | None = None
) -> list[Complaint]:
    """``3 * per_agency`` complaints dispatched by the coordinator, one hour apart, in turn."""
    rng = random.Random(seed)
    cats = categories(world)
    moment = start or clock.now() - timedelta(days=60)
    made = []
    for index in range(per_agency * 3):
        kind = ("public_works", "health", "education")[index % 3]
        title, description = text_for(kind, rng)
        with frozen_at(moment + timedelta(hours=index)):
            complaint = submit(world, title=title, description=description, category=cats[kind])
            services.complaint_dispatch(
                actor=world.coordinator, complaint=complaint, lead_agency=agency(world, kind)
            )
        made.append(complaint)
    return made


def client_for(user: Any) -> Client:
    """A signed-in staff client (TOTP passed) that reads the pages in English."""
    client = Client()
    staff_login(client, user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True, name="routing_dir")
def routing_dir_fixture(settings: Any, tmp_path: Path) -> Path:
    """Model files in a temporary folder; a low minimum so tiny histories train."""
    path = tmp_path / "routing"
    settings.ADUAN_ROUTING_DIR = path
    settings.ADUAN_ROUTING_MIN_EXAMPLES = 10
    routing_services._cache.clear()
    cache.clear()  # "asked the worker already" marks outlive a test's rollback
    return path
