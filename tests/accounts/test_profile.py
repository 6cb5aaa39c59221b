"""One's own account page: details, verification state, password and two-factor links."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.core.models import AuditEvent
from tests.world import staff_login

PROFILE = "/akun/"


def details(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Siti Rahma",
        "email": "Siti.Rahma@example.org",
        "phone": "+6281234567890",
        "language": "en",
    }
    data.update(overrides)
    return data


@pytest.fixture
def verified_reporter(reporter: User) -> User:
    reporter.email_verified_at = reporter.phone_verified_at = timezone.now()
    reporter.language = "en"
    reporter.save()
    return reporter


def test_the_page_needs_sign_in(client: Client, db: None) -> None:
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_shows_details_verification_and_links(client: Client, reporter: User) -> None:
    reporter.email_verified_at = timezone.now()
    reporter.save()
    client.force_login(reporter)

    html = client.get(PROFILE).content.decode()

    for name in ("name", "email", "phone", "language"):
        assert f'name="{name}"' in html
    assert 'value="Siti.Rahma@example.org"' in html
    assert html.count(">verified<") == 1  # the e-mail address, not yet the phone
    assert ">not verified<" in html
    assert reverse("accounts:verify_phone") in html
    assert reverse("accounts:password_change") in html
    assert reverse("accounts:two_factor_reset") not in html  # reporters have no authenticator


def test_staff_see_their_two_factor_settings(client: Client, coordinator: User) -> None:
    staff_login(client, coordinator)

    html = client.get(PROFILE).content.decode()

    assert "Two-step sign-in" in html
    assert f'action="{reverse("accounts:two_factor_reset")}"' in html


def test_name_and_language_are_saved(client: Client, verified_reporter: User) -> None:
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(name="  Siti   Rahmawati ", language="id"))

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    verified_reporter.refresh_from_db()
    assert verified_reporter.get_full_name() == "Siti Rahmawati"
    assert verified_reporter.language == "id"
    assert verified_reporter.email_verified_at is not None  # the address did not change
    event = AuditEvent.objects.get(action="account.updated")
    assert event.data == {"fields": ["first_name", "language", "last_name"]}


def test_saving_unchanged_details_changes_nothing(client: Client, verified_reporter: User) -> None:
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(), follow=True)

    assert "Nothing was changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.updated").exists()


def test_an_e_mail_address_of_another_account_is_refused(
    client: Client, verified_reporter: User
) -> None:
    User.objects.create_user("budi", email="budi@example.org")
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(email="BUDI@example.org"))

    assert response.status_code == 400
    assert re.search(r'id="id_email_error">.*already exists', response.content.decode(), re.S)
    verified_reporter.refresh_from_db()
    assert verified_reporter.email == "Siti.Rahma@example.org"


def test_a_phone_number_of_another_account_is_refused_in_any_notation(
    client: Client, verified_reporter: User
) -> None:
    User.objects.create_user("budi", phone="+6281399998888")
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(phone="0813 9999 8888"))

    assert response.status_code == 400
    assert re.search(r'id="id_phone_error">.*already exists', response.content.decode(), re.S)


def test_a_new_e_mail_address_must_be_verified_again(
    client: Client,
    verified_reporter: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client.force_login(verified_reporter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFILE, details(email="siti@baru.example"), follow=True)

    verified_reporter.refresh_from_db()
    assert verified_reporter.email == "siti@baru.example"
    assert verified_reporter.email_verified_at is None
    assert [message.to for message in mail.outbox] == [["siti@baru.example"]]
    assert "We sent a link to siti@baru.example" in response.content.decode()


def test_a_new_phone_number_goes_to_the_code_page(client: Client, verified_reporter: User) -> None:
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(phone="0813 1234 0000"))

    assert response["Location"] == reverse("accounts:verify_phone")
    verified_reporter.refresh_from_db()
    assert verified_reporter.phone == "+6281312340000"
    assert verified_reporter.phone_verified_at is None


def test_removing_both_contacts_is_refused(client: Client, verified_reporter: User) -> None:
    client.force_login(verified_reporter)

    response = client.post(PROFILE, details(email="", phone=""))

    assert response.status_code == 400
    verified_reporter.refresh_from_db()
    assert verified_reporter.email and verified_reporter.phone
