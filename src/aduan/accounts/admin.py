from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Contact"), {"fields": ("phone", "language")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]
