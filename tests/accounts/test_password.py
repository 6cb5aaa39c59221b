"""Forgotten and changed passwords (Django's views with our templates and mail)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from aduan.accounts.models import User
from tests.accounts.conftest import PASSWORD

NEW_PASSWORD = "lampu-jalan-padam-42"


def can_sign_in(username: str, password: str) -> bool:
    request = RequestFactory().post(reverse("accounts:login"))
    return authenticate(request, username=username, password=password) is not None


def test_a_forgotten_password_is_replaced_through_the_mailed_link(
    client: Client, reporter: User
) -> None:
    reporter.language = "en"
    reporter.save()
    page = client.get(reverse("accounts:password_reset")).content.decode()
    assert 'name="email"' in page

    response = client.post(reverse("accounts:password_reset"), {"email": "SITI.RAHMA@example.org"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Siti.Rahma@example.org"]
    assert message.subject == "Choose a new password"
    assert "Your username is siti." in message.body
    found = re.search(r"https?://\S+", message.body)
    assert found is not None
    link = urlparse(found.group(0)).path
    assert link.startswith("/akun/sandi/baru/")

    # Django swaps the token for a placeholder in the URL before showing the form.
    form_url = client.get(link)["Location"]
    page = client.get(form_url).content.decode()
    assert 'name="new_password1"' in page
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert can_sign_in("siti", NEW_PASSWORD)
    assert not can_sign_in("siti", PASSWORD)
    # The link works once.
    reused = client.get(link, follow=True).content.decode()
    assert "not valid any more" in reused


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, reporter: User
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "orang@lain.example"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_password_is_changed_with_the_old_one(client: Client, reporter: User) -> None:
    assert client.get(reverse("accounts:password_change")).status_code == 302  # sign in first
    client.force_login(reporter)

    wrong_old = client.post(
        reverse("accounts:password_change"),
        {"old_password": "salah", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong_old.status_code == 200
    assert 'id="id_old_password_error"' in wrong_old.content.decode()

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    assert can_sign_in("siti", NEW_PASSWORD)
    assert not can_sign_in("siti", PASSWORD)
