"""The profile page's Super-App section: connecting a signed-in citizen's account, and
disconnecting it unless that would leave the person no way to sign in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from aduan.accounts.models import User
from aduan.core import clock
from aduan.core.errors import TransitionNotAllowed
from aduan.core.models import AuditEvent
from aduan.superapp import services, views
from aduan.superapp.models import SuperAppIdentity
from tests.superapp.conftest import come_back, message_texts, sign_in
from tests.superapp.provider import ISSUER, OidcProvider
from tests.world import World, staff_login

pytestmark = pytest.mark.django_db

PROFILE = "/akun/"
CONNECT = "/superapp/hubungkan/"
DISCONNECT = "/superapp/putuskan/"
PASSWORD = "kata-sandi-rahasia-9"
KEPT = (
    "Your account stays connected to Sumbar Madani for now: without it you would have no way "
    "to sign in. First give your e-mail address on this page and confirm it with the link we "
    "send; then “Forgot your password?” gives you a password of your own, and you can "
    "disconnect."
)
DISCONNECTED = (
    "Your account is no longer connected to Sumbar Madani. Sign in with your password from now on."
)


def password_citizen(*, email: str = "siti.rahma@example.org", verified: bool = True) -> User:
    """Someone who registered with a password."""
    user = User.objects.create_user(
        "siti", email=email, phone="+6281234567890", password=PASSWORD, first_name="Siti"
    )
    if verified and email:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def link(user: User, subject: str = "madani-0001") -> SuperAppIdentity:
    return SuperAppIdentity.objects.create(
        user=user, issuer=ISSUER, subject=subject, created_at=clock.now()
    )


def created_by_the_super_app(client: Client, provider: OidcProvider) -> User:
    """A new account made by a Super-App sign-in, signed in in ``client``."""
    client.get(sign_in(client, provider)["Location"])  # shows (and so clears) the welcome
    client.cookies["aduan_language"] = "en"  # signing in took the account's language
    return User.objects.get(pk=client.session["_auth_user_id"])


def press(client: Client, path: str) -> list[str]:
    """POST ``path`` and follow its redirect; the messages the person reads there."""
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == PROFILE
    texts = message_texts(response)
    client.get(PROFILE)
    return texts


# --- Who sees the section -----------------------------------------------------------------------


def test_a_citizen_is_offered_to_connect(provider: OidcProvider, en_client: Client) -> None:
    en_client.force_login(password_citizen())

    html = en_client.get(PROFILE).content.decode()

    assert "Sign-in with Sumbar Madani" in html
    assert f'action="{CONNECT}"' in html
    assert "Connect your Sumbar Madani account" in html
    assert DISCONNECT not in html


def test_a_linked_citizen_sees_since_when_and_can_disconnect(
    provider: OidcProvider, en_client: Client
) -> None:
    user = password_citizen()
    identity = link(user)
    en_client.force_login(user)

    html = en_client.get(PROFILE).content.decode()

    since = timezone.localtime(identity.created_at).strftime("%-d %b %Y")
    assert f"connected to the Sumbar Madani app since {since}" in html
    assert f'action="{DISCONNECT}"' in html
    assert "<summary>Disconnect</summary>" in html  # the confirmation is one step further
    assert CONNECT not in html


def test_without_a_provider_there_is_no_section(
    no_provider: None, en_client: Client, world: World
) -> None:
    link(world.reporter)
    en_client.force_login(world.reporter)

    html = en_client.get(PROFILE).content.decode()

    assert "data-superapp" not in html
    assert en_client.post(CONNECT).status_code == 404
    assert en_client.post(DISCONNECT).status_code == 404
    assert SuperAppIdentity.objects.count() == 1


@pytest.mark.parametrize(
    "role", ["coordinator", "operator", "liaison", "leadership", "inspectorate", "monitor", "admin"]
)
def test_staff_never_see_the_section_nor_use_it(
    provider: OidcProvider, client: Client, world: World, role: str
) -> None:
    staff_login(client, getattr(world, role))

    html = client.get(PROFILE).content.decode()

    assert "data-superapp" not in html
    assert CONNECT not in html and DISCONNECT not in html
    assert client.post(CONNECT).status_code == 403
    assert client.post(DISCONNECT).status_code == 403
    assert provider.requests == []  # no flow was started


def test_a_django_staff_account_is_staff_too(provider: OidcProvider, client: Client) -> None:
    user = password_citizen()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    staff_login(client, user)

    assert "data-superapp" not in client.get(PROFILE).content.decode()
    assert client.post(CONNECT).status_code == 403


@pytest.mark.parametrize("path", [PROFILE, CONNECT, DISCONNECT])
def test_anonymous_visitors_are_sent_to_sign_in(
    provider: OidcProvider, client: Client, path: str
) -> None:
    response = client.post(path) if path != PROFILE else client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/?next=")
    assert provider.requests == []


@pytest.mark.parametrize("path", [CONNECT, DISCONNECT])
def test_connect_and_disconnect_are_post_only_with_csrf(
    provider: OidcProvider, world: World, path: str
) -> None:
    link(world.outsider)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.outsider)

    assert browser.get(path).status_code == 405
    assert browser.post(path).status_code == 403  # no CSRF token
    assert SuperAppIdentity.objects.filter(user=world.outsider).exists()
    assert provider.requests == []


# --- Connecting ---------------------------------------------------------------------------------


def test_connecting_goes_through_the_provider_and_back_to_the_profile(
    provider: OidcProvider, en_client: Client
) -> None:
    user = password_citizen()
    en_client.force_login(user)
    provider.person.email = "another.address@example.org"

    response = en_client.post(CONNECT)
    assert response.status_code == 302
    response = come_back(en_client, provider.authorize(response["Location"]))

    assert response["Location"] == PROFILE
    assert message_texts(response) == ["Your account is now connected to Sumbar Madani."]
    assert en_client.session["_auth_user_id"] == str(user.pk)
    assert SuperAppIdentity.objects.get().user == user
    event = AuditEvent.objects.get(action="superapp.identity_linked")
    assert event.data == {"issuer": ISSUER, "via": "signed_in"}
    # Proving the identity at the provider counts as a Super-App sign-in for signing out.
    assert en_client.session[views.ID_TOKEN_KEY].count(".") == 2


def test_a_refused_connection_goes_back_to_the_profile(
    provider: OidcProvider, en_client: Client, world: World
) -> None:
    link(world.outsider)  # the provider's person is someone else's already
    user = password_citizen()
    en_client.force_login(user)

    response = come_back(en_client, provider.authorize(en_client.post(CONNECT)["Location"]))

    assert response["Location"] == PROFILE
    assert message_texts(response) == [
        "This Sumbar Madani account is already connected to another account. Sign out first "
        "to use it."
    ]
    assert not SuperAppIdentity.objects.filter(user=user).exists()


def test_connecting_while_the_provider_is_down(provider: OidcProvider, en_client: Client) -> None:
    en_client.force_login(password_citizen())
    provider.down = True

    response = en_client.post(CONNECT)

    assert response["Location"] == PROFILE
    assert message_texts(response) == [
        "Sign-in with Sumbar Madani is not available right now. Please try again later, "
        "or sign in with your password."
    ]


def test_cancelling_at_the_provider_goes_back_to_the_profile(
    provider: OidcProvider, en_client: Client
) -> None:
    en_client.force_login(password_citizen())

    response = come_back(en_client, provider.deny(en_client.post(CONNECT)["Location"]))

    assert response["Location"] == PROFILE
    assert not SuperAppIdentity.objects.exists()


# --- Disconnecting ------------------------------------------------------------------------------


def test_disconnecting_removes_the_link_once(provider: OidcProvider, en_client: Client) -> None:
    user = password_citizen()
    link(user)
    en_client.force_login(user)
    session = en_client.session
    session[views.ID_TOKEN_KEY] = "header.claims.signature"
    session.save()

    assert press(en_client, DISCONNECT) == [DISCONNECTED]

    assert not SuperAppIdentity.objects.exists()
    event = AuditEvent.objects.get(action="superapp.identity_unlinked")
    assert (event.actor_id, event.target_id, event.data) == (
        user.pk,
        str(user.pk),
        {"issuer": ISSUER},
    )
    # Signing out of Aduan now leaves the Super-App alone.
    assert views.ID_TOKEN_KEY not in en_client.session
    assert en_client.session["_auth_user_id"] == str(user.pk)  # still signed in here

    assert press(en_client, DISCONNECT) == ["Your account is not connected to Sumbar Madani."]
    assert AuditEvent.objects.filter(action="superapp.identity_unlinked").count() == 1
    assert "Connect your Sumbar Madani account" in en_client.get(PROFILE).content.decode()


def test_a_password_account_without_an_e_mail_address_may_disconnect(
    provider: OidcProvider, en_client: Client
) -> None:
    """Registered with a phone number and a password it chose: it keeps both."""
    user = password_citizen(email="")
    link(user)
    en_client.force_login(user)

    assert press(en_client, DISCONNECT) == [DISCONNECTED]
    assert not SuperAppIdentity.objects.exists()


def test_an_account_the_super_app_created_may_disconnect_with_a_confirmed_address(
    provider: OidcProvider, en_client: Client
) -> None:
    created_by_the_super_app(en_client, provider)  # the provider says the address is verified

    assert press(en_client, DISCONNECT) == [DISCONNECTED]
    assert not SuperAppIdentity.objects.exists()


@pytest.mark.parametrize("email", ["unverified", "none"])
def test_an_account_the_super_app_created_without_a_confirmed_address_stays_connected(
    provider: OidcProvider, en_client: Client, email: str
) -> None:
    """Its password is random: without the Super-App and with no confirmed address to reset
    it, the person could not sign in again."""
    provider.person.email_verified = False
    if email == "none":
        provider.person.email = ""
    user = created_by_the_super_app(en_client, provider)
    assert (user.email != "") == (email == "unverified")

    html = en_client.get(PROFILE).content.decode()
    assert KEPT in html  # said before the person tries
    assert f'action="{DISCONNECT}"' not in html

    assert press(en_client, DISCONNECT) == [KEPT]
    assert SuperAppIdentity.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="superapp.identity_unlinked").exists()

    # Once the address is confirmed, "Forgot your password?" can reach the person.
    User.objects.filter(pk=user.pk).update(email="rina@example.org", email_verified_at=clock.now())
    assert press(en_client, DISCONNECT) == [DISCONNECTED]


def test_an_account_without_a_usable_password_stays_connected(
    provider: OidcProvider, en_client: Client, world: World
) -> None:
    world.reporter.email_verified_at = clock.now()
    world.reporter.save(update_fields=["email_verified_at"])
    assert not world.reporter.has_usable_password()
    link(world.reporter)
    en_client.force_login(world.reporter)

    assert press(en_client, DISCONNECT) == [KEPT]
    assert SuperAppIdentity.objects.filter(user=world.reporter).exists()


def test_the_service_is_idempotent(settings: Any) -> None:
    settings.ADUAN_SUPERAPP_NAME = "Sumbar Madani"
    user = password_citizen()
    link(user)

    assert services.superapp_disconnect(actor=user) is True
    assert services.superapp_disconnect(actor=user) is False
    assert AuditEvent.objects.filter(action="superapp.identity_unlinked").count() == 1


def test_the_service_refuses_with_a_domain_error(settings: Any, world: World) -> None:
    settings.ADUAN_SUPERAPP_NAME = "Sumbar Madani"
    link(world.reporter)  # no usable password

    with pytest.raises(TransitionNotAllowed):
        services.superapp_disconnect(actor=world.reporter)
    assert SuperAppIdentity.objects.count() == 1
