"""Fixtures for the export tests: private export storage in a temporary folder, signed-in
clients per role (in English, so headers and labels are the message ids)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.world import World, staff_login


@pytest.fixture(autouse=True)
def _export_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    settings.ADUAN_EXPORT_ROOT = root
    return root


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        client = Client()
        staff_login(client, getattr(world, role))
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
