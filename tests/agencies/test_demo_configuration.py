"""Demo users and the ``load_demo`` / ``load_regions`` commands."""

from __future__ import annotations

import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from pytest_django import Settings

from aduan.accounts.demo import create_demo_users
from aduan.accounts.models import Membership, Role, User
from aduan.agencies.loaders import load_agencies
from aduan.agencies.models import Agency, Category, Region

EXPECTED_MEMBERSHIPS = {
    "koordinator": (Role.COORDINATOR, None),
    "operator": (Role.OPERATOR, "BMCKTR"),
    "penghubung": (Role.LIAISON, "BMCKTR"),
    "pimpinan": (Role.LEADERSHIP, None),
    "inspektorat": (Role.INSPECTORATE, "INSP"),
    "pemantau": (Role.MONITOR, None),
    "admin": (Role.ADMIN, None),
}


def authenticate(**credentials: str) -> object:
    """Sign-in as the login page does it (django-axes needs the request)."""
    return django_authenticate(RequestFactory().post("/akun/masuk/"), **credentials)


def _memberships() -> dict[str, tuple[str, str | None]]:
    return {
        username: (role, agency_code)
        for username, role, agency_code in Membership.objects.filter(is_active=True).values_list(
            "user__username", "role", "agency__code"
        )
    }


@pytest.mark.django_db
def test_demo_users_get_one_membership_each() -> None:
    load_agencies()

    rows = create_demo_users("rahasia-demo-1")

    assert [username for username, _role, _agency in rows] == [*EXPECTED_MEMBERSHIPS, "pelapor"]
    assert _memberships() == EXPECTED_MEMBERSHIPS
    assert Membership.objects.count() == len(EXPECTED_MEMBERSHIPS)
    assert not Membership.objects.filter(user__username="pelapor").exists()
    bina_marga = Agency.objects.get(code="BMCKTR").name
    assert ("operator", str(Role.OPERATOR.label), bina_marga) in rows
    assert ("koordinator", str(Role.COORDINATOR.label), "") in rows
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(username="admin").filter(is_staff=True).exists()
    assert not User.objects.exclude(username="admin").filter(is_superuser=True).exists()
    assert authenticate(username="inspektorat", password="rahasia-demo-1") is not None


@pytest.mark.django_db
def test_demo_users_are_refreshed_not_duplicated() -> None:
    load_agencies()
    create_demo_users("lama-lama-lama")
    operator = User.objects.get(username="operator")
    operator.is_staff = True
    operator.save()
    Membership.objects.create(user=operator, role=Role.COORDINATOR)
    Membership.objects.filter(user__username="pimpinan").update(is_active=False)

    create_demo_users("baru-baru-baru")

    assert User.objects.count() == len(EXPECTED_MEMBERSHIPS) + 1
    assert _memberships() == EXPECTED_MEMBERSHIPS
    assert Membership.objects.count() == len(EXPECTED_MEMBERSHIPS)
    assert not User.objects.get(username="operator").is_staff
    assert authenticate(username="pelapor", password="lama-lama-lama") is None
    assert authenticate(username="pelapor", password="baru-baru-baru") is not None


@pytest.mark.django_db
def test_demo_users_need_the_agencies() -> None:
    with pytest.raises(LookupError):
        create_demo_users("tanpa-instansi")


def _load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _counts(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"^\w+: \d+", line)]


@pytest.mark.django_db
def test_load_demo_writes_the_password_file_then_reuses_it(
    settings: Settings, tmp_path: Path
) -> None:
    settings.WORK_DIR = tmp_path
    password_file = tmp_path / ".demo-password"

    first = _load_demo("--skip-regions")

    password = password_file.read_text().strip()
    assert len(password) >= 16
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password in first
    assert "koordinator" in first and "inspektorat" in first
    assert authenticate(username="admin", password=password) is not None
    assert not Region.objects.exists()

    second = _load_demo("--skip-regions")

    assert password_file.read_text().strip() == password
    assert password in second
    assert _counts(second) == _counts(first)


@pytest.mark.django_db
def test_load_demo_uses_an_existing_password_and_loads_regions(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WORK_DIR does not exist: the file is looked up in the current directory.
    settings.WORK_DIR = tmp_path / "missing"
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".demo-password").write_text("kata-sandi-tim\n")

    first = _load_demo("--province", "13")
    counts = (Agency.objects.count(), Region.objects.count(), Category.objects.count())
    second = _load_demo("--province", "13")

    assert "kata-sandi-tim" in first
    assert _counts(second) == _counts(first)
    assert (Agency.objects.count(), Region.objects.count(), Category.objects.count()) == counts
    assert Region.objects.filter(level=2).count() == 19
    assert authenticate(username="pemantau", password="kata-sandi-tim") is not None
    assert not (tmp_path / "missing").exists()


@pytest.mark.django_db
def test_load_demo_refuses_production(settings: Settings, tmp_path: Path) -> None:
    settings.WORK_DIR = tmp_path
    settings.PRODUCTION = True

    with pytest.raises(CommandError):
        _load_demo("--skip-regions")

    assert not User.objects.exists()
    assert not (tmp_path / ".demo-password").exists()


@pytest.mark.django_db
def test_load_regions_command_rejects_a_non_province() -> None:
    with pytest.raises(CommandError, match="bukan kode provinsi"):
        call_command("load_regions", "--province", "13.71", stdout=StringIO())

    assert not Region.objects.exists()
