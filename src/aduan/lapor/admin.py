"""Read-only views of the connector's state in the Django admin (changes go through
/staf/lapor/ and ``aduan lapor``, which audit them)."""

from typing import Any

from django.contrib import admin

from aduan.lapor.models import (
    NationalFile,
    NationalItem,
    NationalLink,
    OutboundMessage,
    SyncRun,
    SyncState,
)


class _ReadOnly(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(NationalLink)
class NationalLinkAdmin(_ReadOnly):
    list_display = [
        "id",
        "national_id",
        "complaint",
        "origin",
        "national_status",
        "national_version",
    ]
    list_filter = ["origin"]
    search_fields = ["national_id", "complaint__tracking_id"]
    raw_id_fields = ["complaint"]
    readonly_fields = [f.name for f in NationalLink._meta.fields if f.name != "snapshot"]
    exclude = ["snapshot"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(_ReadOnly):
    list_display = ["id", "kind", "state", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "kind"]
    search_fields = ["idempotency_key"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]


@admin.register(NationalItem)
class NationalItemAdmin(_ReadOnly):
    list_display = ["id", "link", "kind", "item_id", "applied", "created_at"]
    list_filter = ["kind", "applied"]
    readonly_fields = [f.name for f in NationalItem._meta.fields]


@admin.register(NationalFile)
class NationalFileAdmin(_ReadOnly):
    list_display = ["id", "link", "reference", "name", "state", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["link"]
    readonly_fields = [f.name for f in NationalFile._meta.fields]


@admin.register(SyncRun)
class SyncRunAdmin(_ReadOnly):
    list_display = ["id", "kind", "started_at", "finished_at", "error"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]


@admin.register(SyncState)
class SyncStateAdmin(_ReadOnly):
    list_display = ["id", "cursor", "last_sync_at", "last_success_at", "paused_until"]
    readonly_fields = [f.name for f in SyncState._meta.fields]
