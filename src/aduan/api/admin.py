"""Admin views of the API: clients, tokens and webhooks (read-mostly; keys are never shown)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from aduan.api.models import ApiClient, UserToken, WebhookDelivery, WebhookSubscription


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(_ReadOnly):
    """Create and revoke keys with ``aduan apikey``; the admin only shows them."""

    list_display = ["name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]


@admin.register(UserToken)
class UserTokenAdmin(_ReadOnly):
    list_display = ["key_prefix", "user", "client", "created_at", "expires_at", "revoked_at"]
    exclude = ["key_hash"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ReadOnly):
    list_display = ["url", "client", "is_active", "cursor", "created_at"]
    exclude = ["secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    """Dead deliveries (``state = dead``) are the webhooks' dead-letter list."""

    list_display = ["event_id", "subscription", "state", "attempts", "last_status", "created_at"]
    list_filter = ["state"]
    exclude = ["payload"]
