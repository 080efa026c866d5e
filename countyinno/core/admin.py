from django.contrib import admin

from .models import AuditLogEntry, Job
from .scoping import CHANGE, DELETE, VIEW


class ScopedAdminMixin:
    """The admin goes through the same restricted querysets as pages and API."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return type(obj)._default_manager.restrict(request.user, CHANGE).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return type(obj)._default_manager.restrict(request.user, DELETE).filter(pk=obj.pk).exists()


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("timestamp", "actor_name", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "timestamp"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "title", "status", "progress", "created_by")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False
