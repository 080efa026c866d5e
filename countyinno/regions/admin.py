from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "county_type", "parent", "is_coastal")
    list_filter = ("level", "county_type", "is_coastal")
    search_fields = ("code", "name")
    readonly_fields = ("province", "city")
