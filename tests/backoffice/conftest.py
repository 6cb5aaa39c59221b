"""Fixtures for the back-office tests: a signed-in client per role (past the TOTP step)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.world import World, staff_login


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """``client_for("coordinator")``: a client signed in as that world user (staff pass the
    two-factor step; reporters and outsiders simply sign in)."""

    def make(role: str) -> Client:
        client = Client()
        user = getattr(world, role)
        staff_login(client, user)
        return client

    return make
