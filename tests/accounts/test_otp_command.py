"""``aduan otp code|reset USERNAME`` and the demo accounts' authenticators."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.demo import create_demo_users
from aduan.accounts.models import User
from aduan.agencies.loaders import load_agencies
from aduan.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _commands_in_english(settings: Any) -> None:
    # Commands speak settings.LANGUAGE_CODE (Bahasa Indonesia by default).
    settings.LANGUAGE_CODE = "en"


def otp(*args: str) -> str:
    out = StringIO()
    call_command("otp", *args, stdout=out)
    return out.getvalue()


def current(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, drift=device.drift):06d}"


def test_code_prints_the_code_the_authenticator_shows_now(coordinator: User) -> None:
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=coordinator, name="half set up", confirmed=False)

    before = current(device)
    printed = otp("code", "koordinator").strip()
    after = current(device)

    assert printed in {before, after}  # the 30-second step may turn between the two
    assert device.verify_token(printed)


def test_code_is_refused_in_production(coordinator: User, settings: Any) -> None:
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        otp("code", "koordinator")


def test_code_needs_a_confirmed_authenticator(coordinator: User) -> None:
    TOTPDevice.objects.create(user=coordinator, name="half set up", confirmed=False)

    with pytest.raises(CommandError, match="no authenticator"):
        otp("code", "koordinator")


def test_an_unknown_user_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="no user"):
        otp("code", "siapa")


def test_reset_removes_the_authenticators_and_records_it(coordinator: User) -> None:
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=coordinator, name="half set up", confirmed=False)

    output = otp("reset", "koordinator")

    assert "Removed 2 authenticators of koordinator" in output
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    event = AuditEvent.objects.get(action="account.two_factor_reset")
    assert (event.actor_label, event.target_id, event.data) == (
        "aduan otp reset",
        str(coordinator.pk),
        {"devices": 2},
    )


@pytest.mark.django_db
def test_demo_staff_get_an_authenticator_kept_across_runs() -> None:
    load_agencies()
    create_demo_users("rahasia-demo-1")
    staff = User.objects.filter(memberships__isnull=False).distinct()
    keys = {
        device.user.username: device.key
        for device in TOTPDevice.objects.filter(confirmed=True).select_related("user")
    }

    create_demo_users("rahasia-demo-2")

    assert set(keys) == set(staff.values_list("username", flat=True))
    assert "pelapor" not in keys
    assert {
        device.user.username: device.key
        for device in TOTPDevice.objects.filter(confirmed=True).select_related("user")
    } == keys
    assert len(otp("code", "koordinator").strip()) == 6


@pytest.mark.django_db
def test_load_demo_says_how_to_get_a_code(settings: Any, tmp_path: Path) -> None:
    settings.WORK_DIR = tmp_path
    out = StringIO()

    call_command("load_demo", "--skip-regions", "--no-complaints", stdout=out)

    assert "aduan otp code koordinator" in out.getvalue()
