"""The API's admin pages open, show no secrets, and list dead webhook deliveries."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from aduan.accounts.models import User
from aduan.api.models import ApiClient, UserToken, WebhookDelivery, WebhookSubscription
from aduan.api.webhooks import webhook_collect
from aduan.complaints import services
from aduan.complaints.models import Complaint
from tests.api.conftest import Api, token_for
from tests.api.test_citizen import GUEST, REPORT
from tests.world import World, staff_login

pytestmark = pytest.mark.django_db


def test_admin_pages_show_no_secrets(world: World, api: Api, client: Any) -> None:
    token_for(api, world.reporter)
    subscription_id = api.post(
        "/webhooks/", {"url": "http://127.0.0.1:9/h", "events": ["complaint.held"]}
    ).json()["id"]
    tracking_id = api.post("/complaints/", {**REPORT, **GUEST}).json()["tracking_id"]
    complaint = Complaint.objects.get(tracking_id=tracking_id)
    services.complaint_hold(actor=world.coordinator, complaint=complaint, reason="Lengkapi")
    assert webhook_collect(subscription_id=subscription_id) == 1
    WebhookDelivery.objects.update(state=WebhookDelivery.State.DEAD)
    root = User.objects.create_superuser("root", "root@example.org", "rahasia-sekali")
    staff_login(client, root)
    secrets = [
        ApiClient.objects.get().key_hash,
        UserToken.objects.get().key_hash,
        WebhookSubscription.objects.get().secret,
    ]
    for model in (ApiClient, UserToken, WebhookSubscription, WebhookDelivery):
        info = (model._meta.app_label, model._meta.model_name)
        listing = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        page = client.get(
            reverse("admin:{}_{}_change".format(*info), args=[model.objects.get().pk])
        )
        assert listing.status_code == page.status_code == 200, info
        for secret in secrets:
            assert secret not in listing.content.decode() + page.content.decode()
    dead = client.get(reverse("admin:api_webhookdelivery_changelist"), {"state": "dead"})
    assert "evt_" in dead.content.decode()
