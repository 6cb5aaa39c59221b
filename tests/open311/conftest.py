"""Fixtures for the Open311 server: a world, an API key, and categories with extra questions."""

from __future__ import annotations

from typing import Any

import pytest

from aduan.agencies.models import Category, CategoryField
from aduan.api.keys import apikey_create
from tests.world import World

BASE = "/open311/v2"


def add_questions(world: World) -> Category:
    """A second category (grouped under the first) asking three extra questions."""
    category = Category.objects.create(
        code="lampu-jalan",
        name="Lampu jalan mati",
        description="Penerangan jalan umum yang padam.",
        parent=world.category,
        default_agency=world.public_works,
        keywords="lampu,penerangan,pju",
    )
    CategoryField.objects.create(
        category=category,
        code="pole",
        datatype=CategoryField.Datatype.STRING,
        required=True,
        description="Nomor tiang",
        datatype_description="Tertulis di tiang",
        order=1,
    )
    CategoryField.objects.create(
        category=category,
        code="kind",
        datatype=CategoryField.Datatype.SINGLE_VALUE_LIST,
        required=False,
        description="Jenis masalah",
        order=2,
        values=[{"key": "off", "name": "Mati"}, {"key": "blink", "name": "Berkedip"}],
    )
    CategoryField.objects.create(
        category=category,
        code="lamps",
        datatype=CategoryField.Datatype.NUMBER,
        required=False,
        description="Jumlah lampu",
        order=3,
    )
    return category


@pytest.fixture
def questions(world: World) -> Category:
    return add_questions(world)


@pytest.fixture
def api_key(db: Any) -> str:
    _client, key = apikey_create(name="Aplikasi 311")
    return key


def post_form(**overrides: Any) -> dict[str, Any]:
    """A valid POST requests form for the world's category."""
    form: dict[str, Any] = {
        "service_code": "jalan",
        "lat": "-0.947100",
        "long": "100.417200",
        "description": "Lubang besar di Jalan Sudirman dekat pasar.\nSudah dua bulan.",
        "first_name": "Siti",
        "last_name": "Rahmawati",
        "email": "siti@example.org",
        "phone": "081234567890",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}
