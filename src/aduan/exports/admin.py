"""Exports in the admin: read-only, for administrators to see what was exported and when (the
files themselves are only served to their owners)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin[ExportJob]):
    list_display = ("id", "user", "list_name", "format", "status", "row_count", "created_at")
    list_filter = ("status", "format", "list_name")
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    exclude = ("file",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
