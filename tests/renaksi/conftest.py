"""Fixtures for the action-plan tests: the packaged plan loaded into the test world, and a
signed-in client per world role (staff past the two-factor step)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import translation

from aduan.renaksi.loaders import LoadResult, load_plan
from tests.world import World, staff_login


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (Bahasa Indonesia is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def plan(world: World) -> LoadResult:
    """The packaged plan, loaded once into the world (whose agencies have other codes)."""
    return load_plan()


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """``client_for("admin")``: signed in as that world user, pages in English."""

    def make(role: str) -> Client:
        client = Client()
        client.cookies["aduan_language"] = "en"
        staff_login(client, getattr(world, role))
        return client

    return make


def png_bytes() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
