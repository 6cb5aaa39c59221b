"""The OpenID Connect flow against the simulated provider: the happy path and every check that
must refuse a token (state, nonce, audience, issuer, expiry, signature, algorithm)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc.jwk import OctKey

from aduan.accounts.models import User
from aduan.core.models import AuditEvent
from aduan.superapp import views
from aduan.superapp.models import SuperAppIdentity
from tests.superapp.conftest import come_back, message_texts, sign_in, start
from tests.superapp.provider import ISSUER, OidcProvider, rsa_key

pytestmark = pytest.mark.django_db

FAILED = (
    "Sign-in with Sumbar Madani did not succeed. Please try again, or sign in with your password."
)


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_sign_in_page_offers_the_button(provider: OidcProvider, en_client: Client) -> None:
    html = en_client.get("/akun/masuk/?next=/laporan-saya/").content.decode()

    assert "Sign in with Sumbar Madani" in html
    assert 'href="/superapp/masuk/?next=%2Flaporan-saya%2F"' in html


def test_the_authorization_request_carries_state_nonce_and_pkce(
    provider: OidcProvider, client: Client
) -> None:
    response = start(client)
    query = {
        key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()
    }

    assert query["redirect_uri"] == "http://testserver/superapp/masuk/kembali/"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert query["ui_locales"] == "id"
    flows = client.session[views.FLOWS_KEY]
    flow = flows[query["state"]]
    assert flow["nonce"] == query["nonce"]
    # The verifier stays with us; only its S256 challenge goes out.
    assert flow["code_verifier"] not in response["Location"]
    # The provider's metadata was fetched once, nothing else yet.
    assert provider.requests == ["GET /realms/sumbar/.well-known/openid-configuration"]


def test_happy_path_creates_a_citizen_account_and_signs_it_in(
    provider: OidcProvider, en_client: Client
) -> None:
    response = sign_in(en_client, provider)

    assert response.status_code == 302
    assert response["Location"] == "/laporan-saya/"
    user = signed_in_user(en_client)
    assert user is not None
    assert user.first_name == "Rina Marlina"
    assert user.email == "rina.marlina@example.org"
    assert user.email_verified_at is not None
    assert user.has_usable_password()  # random: "Forgot your password?" can set one
    assert not user.is_staff and not user.memberships.exists()
    identity = SuperAppIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (ISSUER, "madani-0001")
    event = AuditEvent.objects.get(action="superapp.account_created")
    assert event.target_id == str(user.pk)
    assert event.data == {"issuer": ISSUER, "email": True, "email_verified": True, "phone": False}
    assert "rina" not in str(event.data).lower()  # no personal data in the audit log
    assert message_texts(response) == [
        "Welcome, Rina Marlina. Your account was created with Sumbar Madani."
    ]
    assert provider.requests[1:] == [
        "POST /realms/sumbar/protocol/openid-connect/token",
        "GET /realms/sumbar/protocol/openid-connect/certs",
        "GET /realms/sumbar/protocol/openid-connect/userinfo",
    ]
    # The flow was used up.
    assert en_client.session[views.FLOWS_KEY] == {}


def test_the_next_sign_in_finds_the_same_account(provider: OidcProvider, client: Client) -> None:
    sign_in(client, provider)
    first = signed_in_user(client)
    client.logout()

    response = sign_in(client, provider, next="/lacak/")

    assert response["Location"] == "/lacak/"
    assert signed_in_user(client) == first
    assert User.objects.filter(email="rina.marlina@example.org").count() == 1
    assert AuditEvent.objects.filter(action="superapp.account_created").count() == 1
    identity = SuperAppIdentity.objects.get()
    assert identity.last_sign_in_at is not None and identity.last_sign_in_at > identity.created_at


def test_profile_claims_from_userinfo_and_a_verified_phone(
    provider: OidcProvider, client: Client
) -> None:
    provider.person.phone_number = "0812 7777 6666"
    provider.person.phone_number_verified = True
    provider.userinfo_claims = {"name": "Rina M."}

    sign_in(client, provider)

    user = signed_in_user(client)
    assert user is not None
    assert (user.first_name, user.phone) == ("Rina M.", "+6281277776666")
    assert user.phone_verified_at is not None


def test_a_phone_number_another_account_uses_is_left_out(
    world: Any, provider: OidcProvider, client: Client
) -> None:
    world.reporter.phone = "+6281234567890"  # stored normalised, as registration does
    world.reporter.save(update_fields=["phone"])
    provider.person.phone_number = "0812-3456-7890"
    provider.person.phone_number_verified = True

    sign_in(client, provider)

    user = signed_in_user(client)
    assert user is not None and user != world.reporter
    assert user.phone == ""


# --- State ------------------------------------------------------------------------------------


def test_an_unknown_state_is_refused(provider: OidcProvider, en_client: Client) -> None:
    callback = provider.authorize(start(en_client)["Location"])
    forged = callback.replace("state=", "state=x")

    response = come_back(en_client, forged)

    assert response.status_code == 302
    assert response["Location"] == "/akun/masuk/"
    assert signed_in_user(en_client) is None
    assert not User.objects.filter(email="rina.marlina@example.org").exists()
    assert message_texts(response) == [
        "This sign-in has expired or was started in another browser. Please choose "
        "“Sign in with Sumbar Madani” again."
    ]
    # The code was never redeemed.
    assert not any("token" in line for line in provider.requests)


def test_a_callback_from_another_browser_is_refused(provider: OidcProvider) -> None:
    """Login CSRF: the attacker's own code and state, replayed in the victim's browser."""
    attacker, victim = Client(), Client()
    callback = provider.authorize(start(attacker)["Location"])

    come_back(victim, callback)

    assert signed_in_user(victim) is None


def test_a_state_is_used_once(provider: OidcProvider, client: Client) -> None:
    callback = provider.authorize(start(client)["Location"])
    come_back(client, callback)

    response = come_back(client, callback)

    assert response["Location"] == "/akun/"  # the first visit signed the person in
    # The second visit never reached the provider's token endpoint.
    assert provider.requests.count("POST /realms/sumbar/protocol/openid-connect/token") == 1


def test_a_flow_older_than_the_limit_is_refused(
    provider: OidcProvider, client: Client, settings: Any
) -> None:
    callback = provider.authorize(start(client)["Location"])
    session = client.session
    for flow in session[views.FLOWS_KEY].values():
        flow["started_at"] -= settings.ADUAN_SUPERAPP_OIDC_FLOW_MAX_AGE + 1
    session.save()

    come_back(client, callback)

    assert signed_in_user(client) is None


def test_the_person_cancels_at_the_provider(provider: OidcProvider, en_client: Client) -> None:
    response = come_back(en_client, provider.deny(start(en_client)["Location"]))

    assert response["Location"] == "/akun/masuk/"
    assert message_texts(response) == ["Sign-in with Sumbar Madani was cancelled."]
    assert signed_in_user(en_client) is None


# --- The ID token ------------------------------------------------------------------------------


def expect_refused(client: Client, provider: OidcProvider, caplog: Any, reason: str) -> None:
    response = sign_in(client, provider, next="/laporan-saya/")

    assert response.status_code == 302
    assert response["Location"] == "/akun/masuk/?next=%2Flaporan-saya%2F"
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="rina.marlina@example.org").exists()
    assert not SuperAppIdentity.objects.exists()
    assert message_texts(response) == [FAILED]
    assert reason in caplog.text


def test_a_wrong_nonce_is_refused(provider: OidcProvider, en_client: Client, caplog: Any) -> None:
    provider.id_token_claims = {"nonce": "replayed-from-another-sign-in"}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: nonce")


def test_a_missing_nonce_is_refused(provider: OidcProvider, en_client: Client, caplog: Any) -> None:
    provider.id_token_claims = {"nonce": None}
    expect_refused(en_client, provider, caplog, "id_token_missing_claim: nonce")


def test_a_token_for_another_client_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.id_token_claims = {"aud": "another-app", "azp": "another-app"}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: aud")


def test_a_token_for_several_audiences_needs_our_azp(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.id_token_claims = {"aud": ["aduan-sumbar", "another-app"], "azp": "another-app"}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: azp")


def test_a_token_from_another_issuer_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.id_token_claims = {"iss": "https://evil.example/realms/sumbar"}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: iss")


def test_an_expired_token_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    now = int(time.time())
    # Beyond the 60 s allowed for clock skew.
    provider.id_token_claims = {"iat": now - 900, "exp": now - 120, "auth_time": now - 900}
    expect_refused(en_client, provider, caplog, "id_token_expired")


def test_a_token_issued_in_the_future_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    now = int(time.time())
    provider.id_token_claims = {"iat": now + 600, "exp": now + 900}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: iat")


def test_a_wrong_access_token_hash_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.id_token_claims = {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}
    expect_refused(en_client, provider, caplog, "id_token_invalid_claim: at_hash")


def test_a_bad_signature_is_refused(provider: OidcProvider, en_client: Client, caplog: Any) -> None:
    provider.signing_key = rsa_key("attacker")  # but the header names the provider's key
    expect_refused(en_client, provider, caplog, "id_token_signature: bad_signature")


def test_an_unknown_key_fetches_the_keys_once_more_then_refuses(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.signing_key = rsa_key("attacker")
    provider.id_token_header = {"kid": "attacker"}
    expect_refused(en_client, provider, caplog, "id_token_signature: invalid_key_id")
    assert provider.requests.count("GET /realms/sumbar/protocol/openid-connect/certs") == 2


def test_rotated_provider_keys_are_picked_up(provider: OidcProvider, client: Client) -> None:
    sign_in(client, provider)  # caches the JWKS with key-1
    client.logout()
    provider.kid = "key-2"  # the provider rotates: publishes and signs with key-2

    sign_in(client, provider)

    assert signed_in_user(client) is not None


def test_a_token_signed_with_the_client_secret_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    """HS256 with the shared secret: anyone holding the secret could mint tokens."""
    provider.signing_key = OctKey.import_key(provider.client_secret.encode() * 2)
    provider.id_token_header = {"alg": "HS256"}
    expect_refused(en_client, provider, caplog, "id_token_signature")


def test_userinfo_about_someone_else_is_refused(
    provider: OidcProvider, en_client: Client, caplog: Any
) -> None:
    provider.userinfo_claims = {"sub": "madani-9999"}
    expect_refused(en_client, provider, caplog, "userinfo_subject_mismatch")


def test_a_discovery_document_of_another_issuer_is_refused(
    provider: OidcProvider, en_client: Client, settings: Any, caplog: Any
) -> None:
    settings.ADUAN_SUPERAPP_OIDC_ISSUER = "https://sso.madani.test/realms/other"
    settings.ADUAN_SUPERAPP_OIDC_DISCOVERY_URL = provider.discovery_url

    response = en_client.get("/superapp/masuk/")

    assert response["Location"] == "/akun/masuk/"
    assert "discovery_issuer_mismatch" in caplog.text
    assert message_texts(response) == [
        "Sign-in with Sumbar Madani is not available right now. Please try again later, "
        "or sign in with your password."
    ]


def test_the_provider_is_down(provider: OidcProvider, client: Client) -> None:
    provider.down = True

    response = client.get("/superapp/masuk/?next=/laporan-saya/")

    assert response.status_code == 302
    assert response["Location"] == "/akun/masuk/?next=%2Flaporan-saya%2F"


def test_a_refused_code_at_the_token_endpoint(
    provider: OidcProvider, en_client: Client, caplog: Any, settings: Any
) -> None:
    settings.ADUAN_SUPERAPP_OIDC_CLIENT_SECRET = "not-the-secret"
    expect_refused(en_client, provider, caplog, "token_refused: invalid_client")


def test_without_userinfo_the_id_token_claims_are_used(
    provider: OidcProvider, client: Client
) -> None:
    provider.with_userinfo = False

    sign_in(client, provider)

    user = signed_in_user(client)
    assert user is not None and user.email == "rina.marlina@example.org"
    assert not any("userinfo" in line for line in provider.requests)
