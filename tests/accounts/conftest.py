"""Fixtures for the account pages: an English-speaking browser and people with passwords."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from aduan.accounts.models import Membership, Role, User

PASSWORD = "kata-sandi-rahasia-9"


@pytest.fixture
def client(client: Client) -> Client:
    """pytest-django's client with the language cookie set to English, so the assertions on
    English text keep holding once the Indonesian translations exist."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def reporter(db: Any) -> User:
    return User.objects.create_user(
        "siti",
        email="Siti.Rahma@example.org",
        phone="+6281234567890",
        password=PASSWORD,
        first_name="Siti Rahma",
    )


@pytest.fixture
def coordinator(db: Any) -> User:
    user = User.objects.create_user("koordinator", email="koor@example.org", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.COORDINATOR)
    return user
