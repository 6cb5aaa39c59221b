"""Fixtures for the Super-App sign-in: the simulated provider, plugged in without network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client

from aduan.superapp import oidc
from tests.portal.conftest import guest_complaint  # noqa: F401 (a fixture the deep-link tests use)
from tests.superapp.provider import CLIENT_ID, CLIENT_SECRET, ISSUER, OidcProvider


@pytest.fixture(autouse=True)
def _no_cached_metadata() -> Iterator[None]:
    """The provider's discovery document and keys are cached; each test starts without."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_provider(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-in with the Super-App is not configured; any HTTP call to a provider fails."""
    settings.ADUAN_SUPERAPP_OIDC_ISSUER = ""
    settings.ADUAN_SUPERAPP_OIDC_DISCOVERY_URL = ""
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_ID = ""

    def refuse(config: Any) -> httpx.Client:
        raise AssertionError("no HTTP call expected without a configured provider")

    monkeypatch.setattr(oidc, "http_client", refuse)


@pytest.fixture
def provider(settings: Any, monkeypatch: pytest.MonkeyPatch) -> OidcProvider:
    """The Super-App's provider, configured in the settings and answering every HTTP call."""
    simulated = OidcProvider()
    settings.ADUAN_SUPERAPP_NAME = "Sumbar Madani"
    settings.ADUAN_SUPERAPP_OIDC_ISSUER = ISSUER
    settings.ADUAN_SUPERAPP_OIDC_DISCOVERY_URL = ""
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_ID = CLIENT_ID
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.ADUAN_SUPERAPP_OIDC_TOKEN_AUTH_METHOD = ""
    settings.ADUAN_SUPERAPP_OIDC_REDIRECT_URI = ""
    monkeypatch.setattr(
        oidc,
        "http_client",
        lambda config: httpx.Client(transport=simulated.transport(), timeout=5),
    )
    return simulated


@pytest.fixture
def en_client(client: Client) -> Client:
    """A visitor who reads English (assertions on message texts)."""
    client.cookies["aduan_language"] = "en"
    return client


def start(client: Client, path: str = "/superapp/masuk/", **query: str) -> Any:
    """Open a Super-App URL; it must send the browser to the provider."""
    response = client.get(path + ("?" + urlencode(query) if query else ""))
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(ISSUER), response["Location"]
    return response


def come_back(client: Client, callback_url: str) -> Any:
    """The browser follows the provider's redirect to our callback."""
    assert callback_url.startswith("http://testserver/superapp/masuk/kembali/"), callback_url
    return client.get(callback_url.removeprefix("http://testserver"))


def sign_in(
    client: Client, provider: OidcProvider, path: str = "/superapp/masuk/", **query: str
) -> Any:
    """The whole round trip: start, the person signs in at the provider, back to us."""
    response = start(client, path, **query)
    return come_back(client, provider.authorize(response["Location"]))


def message_texts(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]
