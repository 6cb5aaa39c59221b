from django.contrib import admin

from aduan.complaints.models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Complaints themselves change only through the lifecycle services, so only the canned
    responses library is edited here."""

    list_display = ["title", "category", "agency", "is_active"]
    list_filter = ["is_active", "category", "agency"]
    search_fields = ["title", "body"]
