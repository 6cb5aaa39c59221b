"""Read-only views of the channels' state: received messages (with replies that failed) and
open conversations."""

from typing import Any

from django.contrib import admin

from aduan.channels.models import Conversation, InboundMessage


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    list_display = ["id", "channel", "received_at", "processed_at", "replied_at", "reply_attempts"]
    list_filter = ["channel"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    show_full_result_count = False


@admin.register(Conversation)
class ConversationAdmin(_ReadOnly):
    list_display = ["id", "channel", "step", "updated_at"]
    list_filter = ["channel", "step"]
    readonly_fields = [f.name for f in Conversation._meta.fields]
    show_full_result_count = False
