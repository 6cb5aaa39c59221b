"""Signing out of the Super-App signs the person out here too: the provider POSTs a logout token
to /superapp/keluar/backchannel/ (OpenID Connect Back-Channel Logout 1.0), which ends the
sessions it names and only those, once, and refuses any token that does not pass every check."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from joserfc.jwk import RSAKey

from aduan.accounts.models import User
from aduan.core import clock
from aduan.core.audit import audit_verify
from aduan.core.models import AuditEvent
from aduan.superapp.models import SuperAppIdentity, SuperAppSession
from tests.superapp.conftest import sign_in
from tests.superapp.provider import ISSUER, OidcProvider, Person

pytestmark = pytest.mark.django_db

BACKCHANNEL = "/superapp/keluar/backchannel/"
PROFILE = "/akun/"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def provider_posts(token: str | None) -> Any:
    """The provider's server calls us: no cookies, no CSRF token."""
    server = Client(enforce_csrf_checks=True)
    return server.post(BACKCHANNEL, {} if token is None else {"logout_token": token})


def browser(provider: OidcProvider, *, sid: str = "sesi-0001") -> Client:
    client = Client()
    provider.sid = sid
    sign_in(client, provider)
    assert signed_in(client)
    return client


def test_signing_out_at_the_provider_ends_the_session_here(provider: OidcProvider) -> None:
    client = browser(provider)
    assert SuperAppSession.objects.get().sid == "sesi-0001"

    response = provider_posts(provider.logout_token(sub="madani-0001", sid="sesi-0001"))

    assert response.status_code == 200
    assert response.content == b""
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"
    assert not signed_in(client)
    assert client.get(PROFILE).status_code == 302  # back to the sign-in page
    assert not SuperAppSession.objects.exists()
    event = AuditEvent.objects.get(action="superapp.signed_out_by_provider")
    user = User.objects.get(superapp_identities__subject="madani-0001")
    assert (event.target_id, event.actor_id) == (str(user.pk), None)
    assert event.actor_label == "Sumbar Madani"
    assert event.data == {"issuer": ISSUER, "sessions": 1, "by_sid": True}
    assert audit_verify()[1] is None


def test_a_sid_ends_only_that_provider_session(provider: OidcProvider) -> None:
    phone = browser(provider, sid="sesi-hp")
    laptop = browser(provider, sid="sesi-laptop")

    assert provider_posts(provider.logout_token(sid="sesi-hp")).status_code == 200

    assert not signed_in(phone)
    assert signed_in(laptop)
    assert list(SuperAppSession.objects.values_list("sid", flat=True)) == ["sesi-laptop"]


def test_a_subject_alone_ends_every_super_app_session_of_the_person_but_not_a_password_one(
    provider: OidcProvider,
) -> None:
    phone = browser(provider, sid="sesi-hp")
    laptop = browser(provider, sid="")  # a provider that sends no sid
    user = User.objects.get(superapp_identities__subject="madani-0001")
    with_password = Client()
    with_password.force_login(user)
    provider.person = Person(sub="madani-0002", email="budi@example.org")
    other = browser(provider, sid="sesi-lain")

    response = provider_posts(provider.logout_token(sub="madani-0001"))

    assert response.status_code == 200
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(with_password)  # not begun with the Super-App: not the provider's to end
    assert signed_in(other)
    event = AuditEvent.objects.get(action="superapp.signed_out_by_provider")
    assert event.data["sessions"] == 2 and event.data["by_sid"] is False


def test_a_token_for_a_session_already_gone_is_accepted(provider: OidcProvider) -> None:
    client = browser(provider)
    client.post("/akun/keluar/")  # signed out here first: the record goes with the session
    assert not SuperAppSession.objects.exists()

    response = provider_posts(provider.logout_token(sub="madani-0001", sid="sesi-0001"))

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="superapp.signed_out_by_provider").exists()


def test_a_repeated_token_is_answered_alike_without_acting_again(provider: OidcProvider) -> None:
    browser(provider)
    token = provider.logout_token(sub="madani-0001", sid="sesi-0001")
    assert provider_posts(token).status_code == 200
    again = browser(provider)  # signed in again, in the same provider session

    assert provider_posts(token).status_code == 200  # the provider retried, or a replay

    assert signed_in(again)
    assert AuditEvent.objects.filter(action="superapp.signed_out_by_provider").count() == 1


def _claims_broken(provider: OidcProvider) -> dict[str, str]:
    now = int(time.time())
    other_key = RSAKey.generate_key(2048, parameters={"kid": provider.kid})
    tokens = {
        "another issuer": provider.logout_token(sub="madani-0001", iss="https://sso.lain.test"),
        "another client": provider.logout_token(sub="madani-0001", aud="aplikasi-lain"),
        "no event": provider.logout_token(sub="madani-0001", events=None),
        "another event": provider.logout_token(
            sub="madani-0001", events={"http://schemas.openid.net/event/lain": {}}
        ),
        "a nonce (an ID token's)": provider.logout_token(sub="madani-0001", nonce="n-1"),
        "neither sub nor sid": provider.logout_token(),
        "no jti": provider.logout_token(sub="madani-0001", jti=None),
        "no iat": provider.logout_token(sub="madani-0001", iat=None),
        "expired": provider.logout_token(sub="madani-0001", iat=now - 400, exp=now - 200),
        "issued too long ago": provider.logout_token(sub="madani-0001", iat=now - 900, exp=None),
        "issued in the future": provider.logout_token(sub="madani-0001", iat=now + 600),
        "a sub that is not text": provider.logout_token(sub=12345),  # type: ignore[arg-type]
        "not a JWT": "bukan.token",
        "empty": "",
    }
    provider.signing_key = other_key
    tokens["signed with a key the provider does not publish"] = provider.logout_token(
        sub="madani-0001"
    )
    provider.signing_key = None
    return tokens


def test_a_token_that_fails_a_check_is_refused_and_ends_nothing(provider: OidcProvider) -> None:
    client = browser(provider)

    for what, token in _claims_broken(provider).items():
        response = provider_posts(token)
        assert response.status_code == 400, what
        assert response.json()["error"] == "invalid_request", what
        assert response.json()["error_description"], what
        assert "no-store" in response["Cache-Control"], what

    assert provider_posts(None).status_code == 400  # no logout_token at all
    assert signed_in(client)
    assert SuperAppSession.objects.count() == 1
    assert not AuditEvent.objects.filter(action="superapp.signed_out_by_provider").exists()


def test_an_unreachable_provider_is_told_to_try_again(provider: OidcProvider) -> None:
    client = browser(provider)
    token = provider.logout_token(sub="madani-0001")
    cache.clear()  # the keys must be fetched again
    provider.down = True

    response = provider_posts(token)

    assert response.status_code == 400
    assert response.json()["error"] == "temporarily_unavailable"
    assert signed_in(client)
    provider.down = False
    assert provider_posts(token).status_code == 200  # the provider's retry goes through
    assert not signed_in(client)


def test_only_post_and_only_with_a_configured_provider(
    provider: OidcProvider, settings: Any
) -> None:
    assert Client().get(BACKCHANNEL).status_code == 405
    settings.ADUAN_SUPERAPP_OIDC_ISSUER = ""
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_ID = ""
    assert provider_posts(provider.logout_token(sub="madani-0001")).status_code == 404


def test_records_of_ended_sessions_are_dropped_at_the_next_sign_in(provider: OidcProvider) -> None:
    first = browser(provider, sid="sesi-1")
    Session.objects.filter(session_key=first.session.session_key).delete()  # expired, cleared

    browser(provider, sid="sesi-2")

    assert list(SuperAppSession.objects.values_list("sid", flat=True)) == ["sesi-2"]


def test_disconnecting_forgets_the_sessions(provider: OidcProvider) -> None:
    client = browser(provider)
    user = User.objects.get(superapp_identities__subject="madani-0001")
    user.email_verified_at = user.date_joined
    user.save(update_fields=["email_verified_at"])

    client.post("/superapp/putuskan/")

    assert not SuperAppSession.objects.exists()
    assert provider_posts(provider.logout_token(sub="madani-0001")).status_code == 200
    assert signed_in(client)  # no longer connected: the provider's sign-out does not reach here


def test_a_session_whose_key_changed_is_still_ended(provider: OidcProvider) -> None:
    client = browser(provider)
    user = User.objects.get(superapp_identities__subject="madani-0001")
    user.set_password("Sandi-lama-123")  # which signs the person out everywhere: again
    user.save()
    sign_in(client, provider)
    first_key = client.session.session_key
    changed = client.post(
        "/akun/sandi/ubah/",
        {
            "old_password": "Sandi-lama-123",
            "new_password1": "Sandi-Baru-456!",
            "new_password2": "Sandi-Baru-456!",
        },
    )
    assert changed.status_code == 302
    assert client.session.session_key != first_key and signed_in(client)

    assert provider_posts(provider.logout_token(sid="sesi-0001")).status_code == 200

    assert not signed_in(client)


def test_another_providers_sessions_are_left_alone(provider: OidcProvider) -> None:
    client = browser(provider)
    elsewhere = Client()
    other_user = User.objects.create_user("warga-lain", password="x-Sandi-789")
    elsewhere.force_login(other_user)
    identity = SuperAppIdentity.objects.create(
        user=other_user,
        issuer="https://sso.kabupaten.test",
        subject="madani-0001",
        created_at=clock.now(),
    )
    SuperAppSession.objects.create(
        identity=identity,
        sid="sesi-0001",
        session_key=str(elsewhere.session.session_key),
        created_at=clock.now(),
    )

    provider_posts(provider.logout_token(sub="madani-0001", sid="sesi-0001"))

    assert not signed_in(client)
    assert signed_in(elsewhere)


def test_tokens_naming_unknown_keys_refetch_the_keys_at_most_once_a_minute(
    provider: OidcProvider,
) -> None:
    client = browser(provider)
    forged = RSAKey.generate_key(2048, parameters={"kid": "kunci-palsu"})
    provider.signing_key = forged
    certs = provider.metadata()["jwks_uri"].removeprefix(ISSUER)

    for _attempt in range(4):
        token = provider.logout_token(sub="madani-0001")
        assert provider_posts(token).status_code == 400

    # The keys of the sign-in, plus one refresh for all four forged tokens.
    assert sum(call.endswith(certs) for call in provider.requests) == 2
    assert signed_in(client)
