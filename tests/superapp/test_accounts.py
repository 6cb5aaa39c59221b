"""Which account a Super-App sign-in reaches: linking by a verified e-mail address, a signed-in
citizen connecting, and never a staff account."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aduan.accounts.models import Membership, Role, User
from aduan.core import clock
from aduan.core.models import AuditEvent
from aduan.superapp.models import SuperAppIdentity
from tests.superapp.conftest import message_texts, sign_in
from tests.superapp.provider import ISSUER, OidcProvider
from tests.world import World

pytestmark = pytest.mark.django_db

STAFF_REFUSED = (
    "Staff accounts cannot sign in with Sumbar Madani. Sign in with your username, password "
    "and authenticator code."
)


def email_taken(email: str) -> str:
    return (
        f"An account with the e-mail address {email} already exists. To connect it to "
        "Sumbar Madani, sign in with its password first (use “Forgot your password?” if "
        "needed), then choose “Sign in with Sumbar Madani” again."
    )


def signed_in_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def citizen(email: str = "rina.marlina@example.org", *, verified: bool = True) -> User:
    user = User.objects.create_user(
        username="rina", email=email, password="Rahasia-lama-2024", first_name="Rina"
    )
    if verified:
        user.email_verified_at = clock.now()
        user.save(update_fields=["email_verified_at"])
    return user


def test_a_verified_email_links_the_existing_citizen_account(
    provider: OidcProvider, en_client: Client
) -> None:
    existing = citizen("Rina.Marlina@Example.org")

    response = sign_in(en_client, provider)

    assert signed_in_id(en_client) == existing.pk
    assert User.objects.count() == 1
    identity = SuperAppIdentity.objects.get()
    assert (identity.user_id, identity.issuer, identity.subject) == (
        existing.pk,
        ISSUER,
        "madani-0001",
    )
    event = AuditEvent.objects.get(action="superapp.identity_linked")
    assert (event.target_id, event.data) == (str(existing.pk), {"issuer": ISSUER, "via": "email"})
    assert message_texts(response) == ["Your account is now connected to Sumbar Madani."]
    # The account keeps its own name and password.
    existing.refresh_from_db()
    assert existing.first_name == "Rina" and existing.check_password("Rahasia-lama-2024")


def test_an_email_the_provider_has_not_verified_does_not_link(
    provider: OidcProvider, en_client: Client
) -> None:
    existing = citizen()
    provider.person.email_verified = False

    response = sign_in(en_client, provider, next="/laporan-saya/")

    assert signed_in_id(en_client) is None
    assert not SuperAppIdentity.objects.exists()
    assert response["Location"] == "/akun/masuk/?next=%2Flaporan-saya%2F"
    assert message_texts(response) == [email_taken("rina.marlina@example.org")]
    event = AuditEvent.objects.get(action="superapp.sign_in_refused")
    assert (event.target_id, event.data) == (
        str(existing.pk),
        {"reason": "email_not_verified", "issuer": ISSUER},
    )


def test_the_string_true_counts_as_verified(provider: OidcProvider, client: Client) -> None:
    existing = citizen()
    provider.userinfo_claims = {"email_verified": "true"}

    sign_in(client, provider)

    assert signed_in_id(client) == existing.pk


def test_an_account_that_never_confirmed_the_address_is_not_linked(
    provider: OidcProvider, en_client: Client
) -> None:
    """Pre-hijacking: someone registered the victim's address with a password of their own;
    linking would let them in to the victim's Super-App sign-ins."""
    citizen(verified=False)

    response = sign_in(en_client, provider)

    assert signed_in_id(en_client) is None
    assert not SuperAppIdentity.objects.exists()
    assert message_texts(response) == [email_taken("rina.marlina@example.org")]


def test_a_new_account_with_an_unverified_address_gets_the_verification_link(
    provider: OidcProvider, client: Client, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider.person.email_verified = False

    with django_capture_on_commit_callbacks(execute=True):
        sign_in(client, provider)

    user = User.objects.get(pk=signed_in_id(client))
    assert user.email == "rina.marlina@example.org" and user.email_verified_at is None
    assert [message.to for message in mailoutbox] == [["rina.marlina@example.org"]]
    assert "/akun/verifikasi-email/" in mailoutbox[0].body


def test_a_staff_email_is_never_taken_over(
    world: World, provider: OidcProvider, en_client: Client
) -> None:
    provider.person.email = world.coordinator.email  # verified at the provider, too

    response = sign_in(en_client, provider, next="/staf/")

    assert signed_in_id(en_client) is None
    assert not SuperAppIdentity.objects.exists()
    assert User.objects.filter(email__iexact=world.coordinator.email).count() == 1
    assert response["Location"] == "/akun/masuk/?next=%2Fstaf%2F"
    assert message_texts(response) == [STAFF_REFUSED]
    event = AuditEvent.objects.get(action="superapp.sign_in_refused")
    assert (event.target_id, event.data) == (
        str(world.coordinator.pk),
        {"reason": "staff_email", "issuer": ISSUER},
    )


@pytest.mark.parametrize("kind", ["django_staff", "superuser", "inactive_membership"])
def test_every_kind_of_staff_account_is_refused(
    provider: OidcProvider, client: Client, kind: str
) -> None:
    user = citizen()
    if kind == "inactive_membership":
        Membership.objects.create(user=user, role=Role.COORDINATOR, is_active=False)
    else:
        setattr(user, "is_staff" if kind == "django_staff" else "is_superuser", True)
        user.save()

    sign_in(client, provider)

    assert signed_in_id(client) is None
    assert not SuperAppIdentity.objects.exists()


def test_a_linked_citizen_who_became_staff_is_refused(
    world: World, provider: OidcProvider, en_client: Client
) -> None:
    sign_in(en_client, provider)
    user = User.objects.get(pk=signed_in_id(en_client))
    en_client.logout()
    # Signing in took the account's language (Indonesian) into the cookie; read English again.
    en_client.cookies["aduan_language"] = "en"
    Membership.objects.create(user=user, role=Role.OPERATOR, agency=world.public_works)

    response = sign_in(en_client, provider)

    assert signed_in_id(en_client) is None
    assert message_texts(response) == [STAFF_REFUSED]


def test_a_signed_in_citizen_connects_their_account(
    world: World, provider: OidcProvider, client: Client
) -> None:
    client.force_login(world.reporter)
    provider.person.email = "another.address@example.org"

    response = sign_in(client, provider, next="/akun/")

    assert response["Location"] == "/akun/"
    assert signed_in_id(client) == world.reporter.pk
    assert SuperAppIdentity.objects.get().user == world.reporter
    event = AuditEvent.objects.get(action="superapp.identity_linked")
    assert event.data == {"issuer": ISSUER, "via": "signed_in"}
    # Next time the Super-App alone signs the reporter in.
    client.logout()
    sign_in(client, provider)
    assert signed_in_id(client) == world.reporter.pk


def test_signed_in_staff_cannot_connect(
    world: World, provider: OidcProvider, en_client: Client
) -> None:
    en_client.force_login(world.operator)
    provider.person.email = "someone.else@example.org"

    response = sign_in(en_client, provider)

    assert message_texts(response) == [STAFF_REFUSED]
    assert not SuperAppIdentity.objects.exists()


def test_an_identity_linked_to_someone_else_is_not_moved(
    world: World, provider: OidcProvider, en_client: Client
) -> None:
    SuperAppIdentity.objects.create(
        user=world.outsider, issuer=ISSUER, subject="madani-0001", created_at=clock.now()
    )
    en_client.force_login(world.reporter)

    response = sign_in(en_client, provider)

    assert signed_in_id(en_client) == world.reporter.pk
    assert SuperAppIdentity.objects.get().user == world.outsider
    assert message_texts(response) == [
        "This Sumbar Madani account is already connected to another account. Sign out first "
        "to use it."
    ]


def test_one_super_app_account_per_aduan_account(
    world: World, provider: OidcProvider, en_client: Client
) -> None:
    SuperAppIdentity.objects.create(
        user=world.reporter, issuer=ISSUER, subject="madani-0002", created_at=clock.now()
    )
    en_client.force_login(world.reporter)

    response = sign_in(en_client, provider)

    assert message_texts(response) == [
        "Your account is already connected to another Sumbar Madani account."
    ]
    assert SuperAppIdentity.objects.count() == 1


def test_a_disabled_account_is_not_signed_in(provider: OidcProvider, client: Client) -> None:
    sign_in(client, provider)
    user = User.objects.get(pk=signed_in_id(client))
    client.logout()
    user.is_active = False
    user.save()

    sign_in(client, provider)

    assert signed_in_id(client) is None
