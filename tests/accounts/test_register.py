"""Registration, then verifying the e-mail address (link) and the phone number (SMS code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from aduan.accounts import services
from aduan.accounts.models import User
from aduan.notifications.models import OutboxMessage

REGISTER = "/akun/daftar/"


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Rina  Marlina",
        "email": "Rina@Example.org",
        "phone": "0813-1111-2222",
        "password1": "jalan-berlubang-77",
        "password2": "jalan-berlubang-77",
    }
    data.update(overrides)
    return data


def sms_code(user: User) -> str:
    message = OutboxMessage.objects.filter(user=user, event=services.PHONE_CODE_EVENT).latest("id")
    assert message.payload["phone"] == user.phone
    found = re.search(r"\b(\d{6})\b", message.payload["text"])
    assert found is not None
    return found.group(1)


def mailed_link(message: Any) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found is not None
    return urlparse(found.group(0)).path


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[[], Any]:
    """Run the mail the services send once the transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_register_page_asks_for_name_contacts_and_password_twice(
    client: Client, db: None
) -> None:
    html = client.get(REGISTER).content.decode()
    for name in ("name", "email", "phone", "password1", "password2"):
        assert f'name="{name}"' in html
        assert f'for="id_{name}"' in html


def test_register_signs_in_and_starts_both_verifications(
    client: Client, db: None, on_commit: Callable[[], Any]
) -> None:
    with on_commit():
        response = client.post(REGISTER, form())

    user = User.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify_phone")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.first_name, user.email, user.phone) == (
        "Rina Marlina",
        "Rina@example.org",
        "+6281311112222",
    )
    assert user.username == "rina"
    assert user.language == "en"  # the language the page was in
    assert not user.memberships.exists()
    assert user.email_verified_at is None and user.phone_verified_at is None

    # The phone: the code from the text message, typed on the page.
    page = client.get(response["Location"]).content.decode()
    assert "+6281311112222" in page
    done = client.post(reverse("accounts:verify_phone"), {"code": sms_code(user)})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.phone_verified_at is not None

    # The e-mail address: the link in the message.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Rina@example.org"]
    link = mailed_link(mail.outbox[0])
    assert link.startswith("/akun/verifikasi-email/")
    client.logout()  # the link works in any browser (logging out also drops the cookies)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    verified = client.get(link)
    assert verified.status_code == 200
    assert "is verified" in verified.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_register_with_only_an_e_mail_address(
    client: Client, db: None, on_commit: Callable[[], Any]
) -> None:
    with on_commit():
        response = client.post(REGISTER, form(phone="", next="/kirim/"))

    assert response["Location"] == "/kirim/"
    assert User.objects.get().phone == ""
    assert len(mail.outbox) == 1
    assert not OutboxMessage.objects.filter(event=services.PHONE_CODE_EVENT).exists()


def test_register_with_only_a_phone_number(client: Client, db: None) -> None:
    response = client.post(REGISTER, form(email=""))

    user = User.objects.get()
    assert response["Location"] == reverse("accounts:verify_phone")
    assert user.email == ""
    assert user.username.startswith("warga")
    assert len(mail.outbox) == 0


def test_register_needs_an_e_mail_address_or_a_phone_number(client: Client, db: None) -> None:
    response = client.post(REGISTER, form(email="", phone=""))

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_email_error">.*Give an e-mail address, a phone number', html, re.S)
    assert not User.objects.exists()


def test_register_refuses_contacts_another_account_uses(client: Client, reporter: User) -> None:
    taken_email = client.post(REGISTER, form(email="SITI.RAHMA@example.ORG"))
    taken_phone = client.post(REGISTER, form(email="", phone="+62 812-3456-7890"))

    assert taken_email.status_code == 400
    assert re.search(r'id="id_email_error">.*already exists', taken_email.content.decode(), re.S)
    assert taken_phone.status_code == 400
    assert re.search(r'id="id_phone_error">.*already exists', taken_phone.content.decode(), re.S)
    assert User.objects.count() == 1


def test_register_applies_the_password_rules(client: Client, db: None) -> None:
    weak = client.post(REGISTER, form(password1="12345678", password2="12345678"))
    mismatch = client.post(REGISTER, form(password2="jalan-berlubang-78"))
    like_the_email = client.post(
        REGISTER,
        form(email="marlinarina@example.org", password1="marlinarina", password2="marlinarina"),
    )

    assert weak.status_code == 400
    assert re.search(r'id="id_password1_error">.*too common', weak.content.decode(), re.S)
    assert mismatch.status_code == 400
    assert 'id="id_password2_error"' in mismatch.content.decode()
    assert like_the_email.status_code == 400
    assert "too similar" in like_the_email.content.decode()
    assert not User.objects.exists()


def test_a_bad_phone_number_is_explained(client: Client, db: None) -> None:
    response = client.post(REGISTER, form(phone="12ab"))

    assert response.status_code == 400
    assert re.search(r'id="id_phone_error">.*is not valid', response.content.decode(), re.S)


def test_signed_in_people_go_to_their_account(client: Client, reporter: User) -> None:
    client.force_login(reporter)

    assert client.get(REGISTER)["Location"] == reverse("accounts:profile")


def test_a_tampered_verification_link_is_refused(client: Client, reporter: User) -> None:
    token = services.email_verification_token(reporter)

    response = client.get(reverse("accounts:verify_email", args=[token[:-2] + "xx"]))

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    reporter.refresh_from_db()
    assert reporter.email_verified_at is None


def test_the_verification_link_can_be_sent_again_once_a_minute(
    client: Client, reporter: User, on_commit: Callable[[], Any]
) -> None:
    client.force_login(reporter)
    resend = reverse("accounts:verify_email_resend")

    with on_commit():
        first = client.post(resend, follow=True)
        second = client.post(resend, follow=True)

    assert len(mail.outbox) == 1
    assert "We sent a new link to Siti.Rahma@example.org" in first.content.decode()
    assert "Please wait" in second.content.decode()
    assert client.get(resend).status_code == 405


def test_a_wrong_phone_code_says_how_many_tries_are_left(client: Client, reporter: User) -> None:
    client.force_login(reporter)
    assert client.post(reverse("accounts:verify_phone_resend")).status_code == 302
    right = sms_code(reporter)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:verify_phone"), {"code": wrong})

    assert response.status_code == 400
    assert re.search(
        r'id="id_code_error">.*not right. You have 4 more tries', response.content.decode(), re.S
    )
    reporter.refresh_from_db()
    assert reporter.phone_verified_at is None
    assert client.post(reverse("accounts:verify_phone"), {"code": right}).status_code == 302
    reporter.refresh_from_db()
    assert reporter.phone_verified_at is not None
    # Once verified, the page just says so.
    assert client.get(reverse("accounts:verify_phone")).status_code == 302


def test_a_new_code_cannot_be_asked_for_at_once(client: Client, reporter: User) -> None:
    client.force_login(reporter)
    resend = reverse("accounts:verify_phone_resend")
    client.post(resend)

    response = client.post(resend, follow=True)

    assert "Please wait" in response.content.decode()
    assert OutboxMessage.objects.filter(event=services.PHONE_CODE_EVENT).count() == 1
