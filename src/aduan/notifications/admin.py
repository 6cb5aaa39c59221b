from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aduan.notifications import services
from aduan.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PeriodicRun,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(_ReadOnly):
    list_display = ["id", "event", "audience", "agency", "status", "attempts", "created_at"]
    list_filter = ["status", "audience", "event"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Fan out the selected failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = services.outbox_retry(actor=request.user, messages=queryset)
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class DeadLetterFilter(admin.SimpleListFilter):
    title = _("dead letters")
    parameter_name = "dead"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Dead letters only"))]

    def queryset(self, request: Any, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        if self.value() == "1":
            return queryset.filter(status=Delivery.Status.DEAD)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    """Every delivery; filter "dead letters" for those that need a person."""

    list_display = [
        "id",
        "event",
        "channel",
        "recipient_key",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = [DeadLetterFilter, "status", "channel", "outbox__event"]
    search_fields = ["outbox__complaint__tracking_id", "recipient_key"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ["outbox"]
    actions = ["retry"]

    @admin.display(description=_("event"))
    def event(self, obj: Delivery) -> str:
        return obj.outbox.event

    @admin.display(description=_("last error"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry the selected dead letters"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.delivery_retry(actor=request.user, deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ["id", "user", "title", "created_at", "read_at"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    raw_id_fields = ["user"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "in_app", "email", "whatsapp", "sms"]
    raw_id_fields = ["user"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(_ReadOnly):
    list_display = ["name", "next_run_at", "last_run_at", "last_task_id"]
    readonly_fields = [f.name for f in PeriodicRun._meta.fields]
