"""``aduan load_demo`` also creates demo complaints, through the services, once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from aduan.complaints.models import Complaint, Status
from aduan.core.audit import audit_verify


@pytest.mark.django_db
def test_load_demo_creates_complaints_in_every_state_once(settings: Any, tmp_path: Path) -> None:
    settings.WORK_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", "--skip-regions", stdout=StringIO())
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == {
        Status.SUBMITTED,
        Status.ON_HOLD,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
    }
    call_command("load_demo", "--skip-regions", stdout=StringIO())
    assert Complaint.objects.count() == 6
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_load_config_loads_configuration_without_accounts() -> None:
    from aduan.accounts.models import User
    from aduan.agencies.models import Agency, Category, Region

    out = StringIO()
    call_command("load_config", stdout=out)
    assert Agency.objects.count() == 69 and Category.objects.exists()
    assert Region.objects.filter(code="13.71").exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_complaints_are_placed_where_their_text_says(settings: Any, tmp_path: Path) -> None:
    settings.WORK_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=StringIO())
    places = {
        c.title: c.region.full_place_name
        for c in Complaint.objects.select_related("region__parent__parent")
    }
    assert places["Jalan provinsi berlubang di Lubuk Alung"].startswith("Lubuk Alung, ")
    assert places["Jalan provinsi berlubang di Lubuk Alung"].endswith("Padang Pariaman")
    assert places["Lampu penerangan jalan mati"].endswith("Kota Padang")
    assert all(places.values())  # every one has a place
