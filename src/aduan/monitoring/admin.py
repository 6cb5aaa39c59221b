from django.contrib import admin

from aduan.monitoring.models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Read-only here: targets are edited at /staf/dasbor/target/, which checks the values and
    writes an audit event for each change."""

    list_display = ["year", "complaints", "resolved_percent", "is_baseline", "note"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
