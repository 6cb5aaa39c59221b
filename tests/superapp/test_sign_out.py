"""Signing out after a Super-App sign-in also ends the session at the provider (OpenID Connect
RP-Initiated Logout 1.0), always after the local sign-out, and only ever back to this site."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from joserfc import jwt

from aduan.accounts.models import User
from aduan.superapp import views
from tests.superapp.conftest import sign_in
from tests.superapp.provider import CLIENT_ID, ISSUER, OidcProvider, rsa_key

pytestmark = pytest.mark.django_db

LOGOUT = "/akun/keluar/"
END_SESSION = ISSUER + "/protocol/openid-connect/logout"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_id_token_is_kept_in_the_session_at_sign_in(
    provider: OidcProvider, client: Client
) -> None:
    sign_in(client, provider)

    claims = jwt.decode(client.session[views.ID_TOKEN_KEY], rsa_key(provider.kid)).claims
    assert (claims["iss"], claims["sub"], claims["aud"]) == (ISSUER, "madani-0001", CLIENT_ID)


def test_signing_out_ends_the_session_at_the_provider_too(
    provider: OidcProvider, client: Client
) -> None:
    sign_in(client, provider)
    id_token = client.session[views.ID_TOKEN_KEY]

    response = client.post(LOGOUT)

    # Signed out here before the browser goes anywhere.
    assert not signed_in(client)
    assert views.ID_TOKEN_KEY not in client.session
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(END_SESSION + "?")
    query = query_of(location)
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/"
    assert query["client_id"] == CLIENT_ID
    assert len(query["state"]) >= 32
    assert query["ui_locales"] == "id"
    assert "no-cache" in response["Cache-Control"]
    # The provider accepts the request and sends the browser home.
    back = provider.end_session(location)
    assert back.startswith("http://testserver/?state=")
    assert provider.signed_out == ["madani-0001"]
    assert client.get(back.removeprefix("http://testserver")).status_code == 200


def test_a_provider_without_end_session_endpoint_signs_out_here_only(
    provider: OidcProvider, client: Client
) -> None:
    provider.with_end_session = False
    sign_in(client, provider)

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)


def test_a_password_sign_in_signs_out_here_only(provider: OidcProvider, client: Client) -> None:
    User.objects.create_user("siti", password="kata-sandi-rahasia-9")
    client.post("/akun/masuk/", {"username": "siti", "password": "kata-sandi-rahasia-9"})
    assert signed_in(client)

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)
    assert provider.requests == []  # the provider was not even asked


def test_the_provider_down_at_sign_out_still_signs_out_here(
    provider: OidcProvider, client: Client, caplog: Any
) -> None:
    sign_in(client, provider)
    cache.clear()  # the discovery document must be fetched again
    provider.down = True

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)
    assert "discovery_http_503" in caplog.text


def test_a_provider_turned_off_after_sign_in_signs_out_here_only(
    provider: OidcProvider, client: Client, settings: Any
) -> None:
    sign_in(client, provider)
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_ID = ""

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)


def test_an_end_session_endpoint_that_is_no_web_address_is_not_followed(
    provider: OidcProvider, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = provider.metadata
    monkeypatch.setattr(
        provider, "metadata", lambda: {**metadata(), "end_session_endpoint": "javascript:alert(1)"}
    )
    sign_in(client, provider)

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)


def test_the_return_address_comes_from_the_settings_never_from_the_request(
    provider: OidcProvider, client: Client, settings: Any
) -> None:
    settings.ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI = "https://aduan.sumbarprov.go.id/"
    provider.post_logout_redirect_uris = ("https://aduan.sumbarprov.go.id/",)
    sign_in(client, provider)

    response = client.post(
        LOGOUT + "?next=https://evil.example/",
        {"next": "https://evil.example/", "post_logout_redirect_uri": "https://evil.example/"},
    )

    query = query_of(response["Location"])
    assert query["post_logout_redirect_uri"] == "https://aduan.sumbarprov.go.id/"
    assert "evil" not in response["Location"]
    assert provider.end_session(response["Location"]).startswith("https://aduan.sumbarprov.go.id/")


@pytest.mark.parametrize("value", ["/beranda/", "javascript:alert(1)", "//evil.example/"])
def test_a_return_address_that_is_no_full_url_is_ignored(
    provider: OidcProvider, client: Client, settings: Any, value: str
) -> None:
    settings.ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI = value
    sign_in(client, provider)

    response = client.post(LOGOUT)

    assert query_of(response["Location"])["post_logout_redirect_uri"] == "http://testserver/"


def test_a_foreign_host_header_is_refused_before_anything(
    provider: OidcProvider, client: Client
) -> None:
    """The default return address is this site's home as the request reached it; a Host
    outside ALLOWED_HOSTS never gets that far."""
    sign_in(client, provider)

    response = client.post(LOGOUT, headers={"host": "evil.example"})

    assert response.status_code == 400
    assert signed_in(client)


def test_disconnecting_stops_signing_out_at_the_provider(
    provider: OidcProvider, client: Client
) -> None:
    sign_in(client, provider)  # a new account with a verified e-mail address: may disconnect
    client.post("/superapp/putuskan/")

    response = client.post(LOGOUT)

    assert response["Location"] == "/"
    assert not signed_in(client)
