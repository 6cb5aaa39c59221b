from django.contrib import admin

from aduan.agencies.models import Agency, Category, CategoryField, Region


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]


class CategoryFieldInline(admin.TabularInline):
    """A category's extra questions (published as Open311 service attributes)."""

    model = CategoryField
    extra = 0
    fields = [
        "order",
        "code",
        "datatype",
        "variable",
        "required",
        "description",
        "datatype_description",
        "values",
    ]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    inlines = [CategoryFieldInline]
    list_display = ["code", "name", "parent", "default_agency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["parent", "default_agency"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
