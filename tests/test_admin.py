"""The Django admin is where administrators configure the instansi: every page opens."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from aduan.accounts.models import User
from aduan.agencies.models import Agency
from tests.world import staff_login


@pytest.mark.django_db
def test_every_admin_page_opens_for_the_administrator(client: Any) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "rahasia-sekali")
    staff_login(client, root)
    Agency.objects.create(code="DPU", name="Dinas Pekerjaan Umum")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        obj = model.objects.first()
        if obj is not None:
            assert (
                client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code
                == 200
            )


@pytest.mark.django_db
def test_admin_is_closed_to_staff_without_admin_rights(client: Any) -> None:
    client.force_login(User.objects.create_user("koordinator", password="x"))
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
