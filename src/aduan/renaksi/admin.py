"""Django admin for the action plan: read-only. Changes are made in the back office
(/staf/renaksi/), whose services check the permission and write the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aduan.renaksi.models import (
    ActionPlan,
    Activity,
    ActivityParty,
    ActivityYear,
    Aspect,
    AspectPriority,
    AssessmentIndicator,
    AssessmentScore,
    Evidence,
    PlanYear,
    Program,
    ProgramGroup,
)


class ReadOnly:
    """View only: every change goes through ``aduan.renaksi.services``."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "title")


@admin.register(PlanYear)
class PlanYearAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("year", "added_at")
    readonly_fields = ("added_by", "added_at")


@admin.register(Aspect)
class AspectAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("number", "code", "name")


@admin.register(ProgramGroup)
class ProgramGroupAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("number", "title", "aspect")


@admin.register(Program)
class ProgramAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "title", "group")
    list_select_related = ("group",)
    readonly_fields = ("updated_by", "updated_at")


class ActivityPartyInline(ReadOnly, admin.TabularInline):
    model = ActivityParty
    extra = 0
    raw_id_fields = ("agency",)


class ActivityYearInline(ReadOnly, admin.TabularInline):
    model = ActivityYear
    extra = 0
    fields = ("year", "status", "note", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")


@admin.register(Activity)
class ActivityAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "title", "program")
    list_select_related = ("program",)
    search_fields = ("code", "title")
    readonly_fields = ("updated_by", "updated_at", "created_at")
    inlines = (ActivityPartyInline, ActivityYearInline)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "activity_year", "added_at")
    list_select_related = ("activity_year__activity",)
    readonly_fields = (
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "added_by",
        "added_at",
    )


class AssessmentScoreInline(ReadOnly, admin.TabularInline):
    model = AssessmentScore
    extra = 0
    fields = ("year", "score", "note", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")


@admin.register(AssessmentIndicator)
class AssessmentIndicatorAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "title", "aspect", "is_active")
    inlines = (AssessmentScoreInline,)
    readonly_fields = ("updated_by", "updated_at")


@admin.register(AspectPriority)
class AspectPriorityAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("year", "rank", "aspect")
    list_filter = ("year",)
    readonly_fields = ("updated_by", "updated_at")
