"""Signing in and out: any of the account's names, the lockout, and where one lands."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from aduan.accounts.models import User
from tests.accounts.conftest import PASSWORD

LOGIN = "/akun/masuk/"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in_as(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None


def test_the_urls_are_where_other_pages_expect_them() -> None:
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == "/akun/keluar/"
    assert reverse("accounts:two_factor") == "/akun/dua-langkah/"
    assert reverse("accounts:register") == "/akun/daftar/"
    assert reverse("accounts:profile") == "/akun/"
    assert reverse("accounts:verify_phone") == "/akun/verifikasi-telepon/"
    assert reverse("accounts:verify_email", args=["abc:def"]) == "/akun/verifikasi-email/abc:def/"
    for name in (
        "verify_email_resend",
        "verify_phone_resend",
        "two_factor_reset",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
        "password_change",
        "password_change_done",
    ):
        assert reverse(f"accounts:{name}").startswith("/akun/")
    assert reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"}
    ).startswith("/akun/sandi/")


@pytest.mark.django_db
def test_the_login_page_has_the_agreed_fields(client: Client) -> None:
    page = client.get(LOGIN).content.decode()
    assert 'name="username"' in page
    assert "Username, e-mail or phone" in page
    assert 'name="password"' in page
    assert ">Sign in</button>" in page
    assert reverse("accounts:password_reset") in page
    assert reverse("accounts:register") in page


@pytest.mark.parametrize(
    "identifier",
    ["siti", "siti.rahma@EXAMPLE.org", "0812-3456-7890", "+62 812 3456 7890", "6281234567890"],
)
def test_sign_in_with_username_e_mail_or_phone(
    client: Client, reporter: User, identifier: str
) -> None:
    response = sign_in(client, identifier)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_complaints")
    assert signed_in_as(client) == str(reporter.pk)


def test_a_wrong_password_says_so_without_naming_the_account(
    client: Client, reporter: User
) -> None:
    wrong = sign_in(client, "siti", "salah")
    unknown = sign_in(client, "tidak-ada", "salah")

    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "is not right" in response.content.decode()
    assert signed_in_as(client) is None


def test_five_failures_lock_the_account_with_the_time_to_retry(
    client: Client, reporter: User
) -> None:
    for _attempt in range(4):
        assert sign_in(client, "siti", "salah").status_code == 200

    fifth = sign_in(client, "siti", "salah")

    assert fifth.status_code == 429
    assert "accounts/locked_out.html" in [template.name for template in fifth.templates]
    page = fifth.content.decode()
    assert "paused for 15 minutes" in page
    assert "try again after" in page
    assert re.search(r"try again after \d{2}:\d{2} WIB\.", page)  # local time, with its zone
    # The right password does not get through while the lock lasts.
    locked = sign_in(client, "siti")
    assert locked.status_code == 429
    assert signed_in_as(client) is None


def test_every_notation_of_one_account_counts_towards_the_same_lock(
    client: Client, reporter: User
) -> None:
    attempts = ["siti", "SITI.RAHMA@example.org", "siti.rahma@example.org", "0812 3456 7890"]
    for identifier in attempts:
        assert sign_in(client, identifier, "salah").status_code == 200

    fifth = sign_in(client, "+6281234567890", "salah")

    assert fifth.status_code == 429
    assert sign_in(client, "siti").status_code == 429


def test_the_lock_is_for_that_account_only(client: Client, reporter: User) -> None:
    other = User.objects.create_user("budi", password=PASSWORD)
    for _attempt in range(5):
        sign_in(client, "siti", "salah")

    response = sign_in(client, "budi")

    assert response.status_code == 302
    assert signed_in_as(client) == str(other.pk)


def test_a_success_before_the_limit_clears_the_count(client: Client, reporter: User) -> None:
    for _attempt in range(4):
        sign_in(client, "siti", "salah")
    assert sign_in(client, "siti").status_code == 302
    client.post(reverse("accounts:logout"))

    for _attempt in range(4):
        assert sign_in(client, "siti", "salah").status_code == 200


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/lacak/?id=SB-AAAA", "/lacak/?id=SB-AAAA"),
        ("https://evil.example/steal", "/aduan-saya/"),
        ("//evil.example/steal", "/aduan-saya/"),
        ("javascript:alert(1)", "/aduan-saya/"),
    ],
)
def test_next_is_followed_only_on_this_site(
    client: Client, reporter: User, next_url: str, expected: str
) -> None:
    expected = reverse("portal:my_complaints") if expected == "/aduan-saya/" else expected

    response = sign_in(client, "siti", next=next_url)

    assert response.status_code == 302
    assert response["Location"] == expected


def test_next_from_the_query_string_is_kept_in_the_form(client: Client, db: None) -> None:
    page = client.get(LOGIN, {"next": "/lacak/"}).content.decode()
    assert 'name="next" value="/lacak/"' in page


def test_staff_go_to_the_two_factor_step_keeping_next(client: Client, coordinator: User) -> None:
    response = sign_in(client, "koordinator", next="/staf/verifikasi/")

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:two_factor") + "?next=" + quote("/staf/verifikasi/", safe="")
    )
    assert signed_in_as(client) == str(coordinator.pk)
    # Signed in, but the back office still wants the code.
    assert client.get("/staf/verifikasi/")["Location"].startswith(reverse("accounts:two_factor"))


def test_staff_without_next_are_headed_for_the_back_office(
    client: Client, coordinator: User
) -> None:
    response = sign_in(client, "koordinator")

    assert response["Location"] == (
        reverse("accounts:two_factor") + "?next=" + quote(reverse("backoffice:home"), safe="")
    )


def test_staff_sign_in_without_the_step_when_it_is_switched_off(
    client: Client, coordinator: User, settings: Any
) -> None:
    settings.ADUAN_STAFF_REQUIRE_2FA = False

    response = sign_in(client, "koordinator")

    assert response["Location"] == reverse("backoffice:home")


def test_sign_out_is_post_only(client: Client, reporter: User) -> None:
    client.force_login(reporter)
    logout = reverse("accounts:logout")

    assert client.get(logout).status_code == 405
    assert signed_in_as(client) == str(reporter.pk)
    response = client.post(logout)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert signed_in_as(client) is None


def test_every_page_links_to_sign_in_or_sign_out(client: Client, reporter: User) -> None:
    anonymous = client.get(reverse("portal:home")).content.decode()
    assert f'href="{LOGIN}"' in anonymous
    client.force_login(reporter)
    signed_in = client.get(reverse("portal:home")).content.decode()
    assert f'action="{reverse("accounts:logout")}"' in signed_in
