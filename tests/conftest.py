"""Fixtures for the whole suite. App-level fixtures belong in that app's own conftest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from pytest_django import Settings

from aduan.complaints.models import Complaint
from aduan.core.calendar import invalidate_overrides
from tests.world import World, build_world, make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` are skipped unless the suite runs on PostgreSQL."""
    if "postgresql" in connection.settings_dict["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_calendar_overrides() -> Iterator[None]:
    """The working-day override cache is process-wide and outlives each test's rollback."""
    invalidate_overrides()
    yield
    invalidate_overrides()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Settings) -> None:
    """PBKDF2 at production strength costs ~0.3 s per user; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_file_roots(settings: Settings, tmp_path: Path) -> None:
    """Uploads, exports and routing models go to this test's own folder, never to var/: the
    suite runs in parallel (pytest-xdist), and two workers must not share files. The folders
    are created on first use, as in production."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ADUAN_EXPORT_ROOT = tmp_path / "exports"
    settings.ADUAN_ROUTING_DIR = tmp_path / "routing"


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Any) -> World:
    """A small instansi with one user per role (see tests/world.py)."""
    return build_world(settings, tmp_path)


@pytest.fixture
def make_complaint(world: World) -> Callable[..., Complaint]:
    return lambda state="submitted", **kw: make(world, state, **kw)
