"""Possible duplicates in the admin: read-only (dismissing is done on the complaint page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.duplicates.models import DuplicateCandidate


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin[DuplicateCandidate]):
    list_display = ("id", "complaint", "candidate", "score", "detected_at", "dismissed_at")
    list_select_related = ("complaint", "candidate")
    raw_id_fields = ("complaint", "candidate", "dismissed_by")
    search_fields = ("complaint__tracking_id", "candidate__tracking_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
