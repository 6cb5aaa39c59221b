"""Django admin: read-only views of the routing rows (changes go through /staf/rute/)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.routing.models import RoutingModel, RoutingSettings, RoutingSuggestion


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoutingModel)
class RoutingModelAdmin(_ReadOnly):
    list_display = ("id", "source", "trained_at", "n_examples", "accuracy", "is_active")
    list_filter = ("source", "is_active")


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(_ReadOnly):
    list_display = (
        "target_precision",
        "threshold_override",
        "prefill_enabled",
        "auto_dispatch_enabled",
    )


@admin.register(RoutingSuggestion)
class RoutingSuggestionAdmin(_ReadOnly):
    list_display = ("complaint", "model", "created_at", "auto_dispatched_at", "undone_at")
    raw_id_fields = ("complaint",)
