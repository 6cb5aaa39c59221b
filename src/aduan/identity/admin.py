"""Online NIK checks, read-only: a record of what was asked and answered (no NIK in it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.identity.models import NikCheck


@admin.register(NikCheck)
class NikCheckAdmin(admin.ModelAdmin[NikCheck]):
    list_display = ["created_at", "user", "trigger", "result", "reason", "http_status"]
    list_filter = ["result", "trigger", "reason"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
