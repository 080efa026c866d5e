from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from countyinno.core.admin import ScopedAdminMixin

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "credit_code", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "credit_code")
    autocomplete_fields = ("region",)


@admin.register(User)
class CountyInnoUserAdmin(ScopedAdminMixin, UserAdmin):
    list_display = ("username", "display_name", "role", "region", "organisation", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    autocomplete_fields = ("region", "organisation")
    fieldsets = UserAdmin.fieldsets + (("平台角色 Platform role", {"fields": ("role", "region", "organisation",
                                                                           "display_name", "phone")}),)
