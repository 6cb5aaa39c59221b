"""Read-only view of the Super-App links (they are written only by the sign-in service)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.superapp.models import SuperAppIdentity


@admin.register(SuperAppIdentity)
class SuperAppIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "issuer", "created_at", "last_sign_in_at")
    list_filter = ("issuer",)
    search_fields = ("user__username", "user__email")
    readonly_fields = ("user", "issuer", "subject", "created_at", "last_sign_in_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
