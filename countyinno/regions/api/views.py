import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedReadOnlyViewSet

from ..models import Region, RegionBoundary


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None, allow_null=True)
    city_code = serializers.CharField(source="city.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "county_type", "parent_code", "city_code", "is_coastal", "profile"]


class RegionFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(method="filter_province", label="省级代码（2 位或 6 位）")
    city = django_filters.CharFilter(field_name="city__code", label="地级市代码")
    parent = django_filters.CharFilter(field_name="parent__code")

    class Meta:
        model = Region
        fields = ["level", "county_type", "is_coastal", "code"]

    def filter_province(self, queryset, name, value):
        code = value[:2]
        return queryset.filter(Q(province__code=f"{code}0000"))


class RegionViewSet(ScopedReadOnlyViewSet):
    """行政区划: `?province=<2-digit code>&level=county` lists a province's county-level units."""

    queryset = Region.objects.select_related("parent", "city")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request):
        """County boundaries as a GeoJSON FeatureCollection for the map (same filters as the list)."""
        regions = self.filter_queryset(self.get_queryset())
        boundaries = RegionBoundary.objects.filter(region__in=regions).select_related("region")
        features = [{"type": "Feature", "properties": {"code": b.region.code, "name": b.region.name},
                     "geometry": b.geometry} for b in boundaries]
        response = Response({"type": "FeatureCollection", "features": features})
        response["Cache-Control"] = "private, max-age=3600"
        return response
