from django.contrib import admin

from .models import Region
from .permissions import can_load_regions


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only for region admins: the tree is platform data, loaded by `countyinno load_regions`."""

    list_display = ("code", "name", "level", "county_type", "parent", "is_coastal")
    list_filter = ("level", "county_type", "is_coastal")
    search_fields = ("code", "name")
    readonly_fields = ("province", "city")

    def has_add_permission(self, request):
        return can_load_regions(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return can_load_regions(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return can_load_regions(request.user) and super().has_delete_permission(request, obj)
