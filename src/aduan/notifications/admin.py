from django.contrib import admin

from aduan.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "audience", "agency", "status", "attempts", "created_at"]
    list_filter = ["status", "audience", "event"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
