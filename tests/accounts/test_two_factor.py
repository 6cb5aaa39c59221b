"""The staff TOTP step: a confirmed authenticator's code, enrolment, throttling and reset."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.models import User
from aduan.core.models import AuditEvent
from tests.accounts.conftest import PASSWORD
from tests.world import staff_login

TWO_FACTOR = "/akun/dua-langkah/"


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, drift=device.drift):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def sign_in(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def is_verified(client: Client) -> bool:
    """Whether the back office lets this session in (it asks for the TOTP step otherwise)."""
    return client.get(reverse("backoffice:home")).status_code == 200


@pytest.fixture
def device(coordinator: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)


def test_staff_pass_with_the_code_from_their_app(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    step = sign_in(client, "koordinator", "/staf/verifikasi/")["Location"]
    page = client.get(step)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="otp_token"' in html
    assert "Code from your authenticator app" in html
    assert ">Verify</button>" in html
    assert 'name="next" value="/staf/verifikasi/"' in html
    assert not is_verified(client)

    response = client.post(TWO_FACTOR, {"otp_token": code_for(device), "next": "/staf/verifikasi/"})

    assert response.status_code == 302
    assert response["Location"] == "/staf/verifikasi/"
    assert is_verified(client)


def test_the_default_destination_is_the_back_office(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    sign_in(client, "koordinator")

    response = client.post(TWO_FACTOR, {"otp_token": code_for(device)})

    assert response["Location"] == reverse("backoffice:home")


def test_a_foreign_next_is_ignored(client: Client, coordinator: User, device: TOTPDevice) -> None:
    sign_in(client, "koordinator")

    response = client.post(
        TWO_FACTOR, {"otp_token": code_for(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("backoffice:home")


def test_a_wrong_code_is_explained_next_to_the_field(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    sign_in(client, "koordinator")

    response = client.post(TWO_FACTOR, {"otp_token": wrong_code_for(device)})

    assert response.status_code == 400
    html = response.content.decode()
    field_error = re.search(r'<ul class="errorlist" id="id_otp_token_error">(.*?)</ul>', html, re.S)
    assert field_error is not None
    assert "That code is not right" in field_error.group(1)
    assert re.search(r'<input[^>]*name="otp_token"[^>]*aria-invalid="true"', html)
    assert not is_verified(client)


def test_not_six_digits_is_refused_before_checking(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    sign_in(client, "koordinator")

    response = client.post(TWO_FACTOR, {"otp_token": "12ab"})

    assert response.status_code == 400
    assert "Type the six digits" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_after_many_wrong_codes_even_the_right_one_waits(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    device.throttling_failure_count = 5  # the next check is allowed 16 seconds after the last
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    sign_in(client, "koordinator")

    response = client.post(TWO_FACTOR, {"otp_token": code_for(device)})

    assert response.status_code == 400
    # 16, or a little less when the machine was slow between the two steps.
    assert re.search(r"Too many wrong codes\. Wait 1[0-6] seconds", response.content.decode())
    assert not is_verified(client)
    device.throttle_reset()
    assert client.post(TWO_FACTOR, {"otp_token": code_for(device)}).status_code == 302


def test_a_code_works_only_once(client: Client, coordinator: User, device: TOTPDevice) -> None:
    code = code_for(device)
    sign_in(client, "koordinator")
    assert client.post(TWO_FACTOR, {"otp_token": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    sign_in(client, "koordinator")
    response = client.post(TWO_FACTOR, {"otp_token": code})

    assert response.status_code == 400
    assert not is_verified(client)


def test_guests_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get(TWO_FACTOR)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_reporters_have_no_second_step(client: Client, reporter: User) -> None:
    client.force_login(reporter)

    response = client.get(TWO_FACTOR, {"next": "/lacak/"})

    assert response.status_code == 302
    assert response["Location"] == "/lacak/"
    assert not TOTPDevice.objects.filter(user=reporter).exists()


def test_staff_without_an_authenticator_set_one_up(client: Client, coordinator: User) -> None:
    sign_in(client, "koordinator", "/staf/verifikasi/")
    page = client.get(TWO_FACTOR, {"next": "/staf/verifikasi/"})
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=coordinator)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode()
    # The QR code is drawn on the server as inline SVG; the key is there to type by hand.
    assert '<svg role="img"' in html
    assert "<script" not in html.split("</header>", 1)[1].split("<footer", 1)[0]
    assert " ".join(re.findall(".{1,4}", secret)) in html
    assert 'name="otp_token"' in html
    assert "Code from your authenticator app" in html
    # Reloading the page keeps the same key while the person scans it.
    client.get(TWO_FACTOR)
    assert list(TOTPDevice.objects.filter(user=coordinator)) == [device]

    response = client.post(TWO_FACTOR, {"otp_token": code_for(device), "next": "/staf/verifikasi/"})

    assert response.status_code == 302
    assert response["Location"] == "/staf/verifikasi/"
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)
    assert AuditEvent.objects.filter(action="account.two_factor_enrolled").count() == 1


def test_a_wrong_code_does_not_confirm_the_new_authenticator(
    client: Client, coordinator: User
) -> None:
    sign_in(client, "koordinator")
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=coordinator)

    response = client.post(TWO_FACTOR, {"otp_token": wrong_code_for(device)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "That code is not right" in html
    assert '<svg role="img"' in html  # the QR code is still there to scan
    device.refresh_from_db()
    assert not device.confirmed
    assert not is_verified(client)


def test_a_verified_session_skips_the_step(client: Client, coordinator: User) -> None:
    staff_login(client, coordinator)

    response = client.get(TWO_FACTOR, {"next": "/staf/verifikasi/"})

    assert response["Location"] == "/staf/verifikasi/"


def test_resetting_ones_authenticator_needs_the_step_first(
    client: Client, coordinator: User, device: TOTPDevice
) -> None:
    client.force_login(coordinator)  # password only

    response = client.post(reverse("accounts:two_factor_reset"))

    assert response["Location"].startswith(reverse("accounts:two_factor"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_new_phone_replaces_the_old_authenticator(client: Client, coordinator: User) -> None:
    old = staff_login(client, coordinator)

    response = client.post(reverse("accounts:two_factor_reset"))

    assert response["Location"] == (
        reverse("accounts:two_factor") + "?next=" + quote(reverse("accounts:profile"), safe="")
    )
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert not is_verified(client)
    client.get(response["Location"])
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert client.post(TWO_FACTOR, {"otp_token": code_for(new)}).status_code == 302
    assert is_verified(client)
