from django.contrib import admin

from aduan.open311.models import Open311Request


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["complaint", "client", "created_at"]
    list_select_related = ["complaint", "client"]
    search_fields = ["complaint__tracking_id", "token"]
    readonly_fields = [
        "complaint",
        "client",
        "token",
        "media_url",
        "device_id",
        "account_id",
        "created_at",
    ]
