from django.contrib import admin

from aduan.agencies.models import Agency, Category, Region


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "default_agency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["parent", "default_agency"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
