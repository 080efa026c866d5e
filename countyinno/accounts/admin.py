"""The admin site is for superusers only (created with `countyinno createsuperuser`); region admins manage
organisations and accounts on the platform's own pages (accounts/views.py), through the declared actions.

Its log-in page is the platform's (lock-out, second factor): /admin/login/ redirects there."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login

from countyinno.core.admin import ScopedAdminMixin

from . import services
from .models import Organisation, User
from .permissions import can_grant_privileges


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "credit_code", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "credit_code")
    autocomplete_fields = ("region",)

    def save_model(self, request, obj, form, change):
        """Through the declared actions: the same checks and audit entries as the API."""
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if changes:
                services.update_organisation(actor=request.user, organisation=Organisation.objects.get(pk=obj.pk),
                                             **changes)
        else:
            data = {name: form.cleaned_data[name] for name in form.fields}
            created = services.create_organisation(actor=request.user, **data)
            obj.pk, obj._state.adding = created.pk, False


# Who holds which privileges is the superusers' business, not the region admins' (who use this site too).
PRIVILEGE_FIELDS = ("username", "is_active", "is_staff", "is_superuser", "groups", "user_permissions", "role",
                    "region", "organisation", "last_login", "date_joined")


@admin.register(User)
class CountyInnoUserAdmin(ScopedAdminMixin, UserAdmin):
    list_display = ("username", "display_name", "role", "region", "organisation", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    autocomplete_fields = ("region", "organisation")
    fieldsets = UserAdmin.fieldsets + (("平台角色 Platform role", {"fields": ("role", "region", "organisation",
                                                                           "display_name", "phone")}),)
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "region",
                                                              "organisation", "display_name")}),)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and not can_grant_privileges(request.user):
            fields = (*fields, *PRIVILEGE_FIELDS)
        return fields

    def save_model(self, request, obj, form, change):
        if not change:  # a new account: the same placement checks as everywhere (create_user)
            data = form.cleaned_data
            created = services.create_user(actor=request.user, username=data["username"], password=data["password1"],
                                           role=data["role"], region=data.get("region"),
                                           organisation=data.get("organisation"),
                                           display_name=data.get("display_name", ""))
            obj.pk, obj._state.adding = created.pk, False
            return
        if not can_grant_privileges(request.user):
            # Profile fields only (the rest is read-only here): the declared action checks and audits.
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.PROFILE_FIELDS}
            if changes:
                services.update_user(actor=request.user, user=User.objects.get(pk=obj.pk), **changes)
            return
        super().save_model(request, obj, form, change)


def _superusers_only(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


def _platform_login(request, extra_context=None):
    """Signing in happens on /login/ (lock-out, second factor, audit); then back to the admin site."""
    from django.core.exceptions import PermissionDenied

    from countyinno.core.errors import bilingual

    if request.user.is_authenticated:
        raise PermissionDenied(bilingual("管理后台仅限超级管理员；账号与机构请在平台的“账号”“机构”页面管理",
                                         "the admin site is for superusers only; manage accounts and organisations "
                                         "on the platform's own pages"))
    return redirect_to_login(request.GET.get("next") or "/admin/", "/login/")


admin.site.has_permission = _superusers_only
admin.site.login = _platform_login
