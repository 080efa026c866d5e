from rest_framework import serializers

from countyinno.core.api.base import ScopedReadOnlyViewSet

from ..models import Assignment, ServiceDemand, Talent


class TalentSerializer(serializers.ModelSerializer):
    home_unit_name = serializers.CharField(source="home_unit.name", read_only=True)

    class Meta:
        model = Talent
        fields = ["id", "name", "kind", "home_unit", "home_unit_name", "title", "degree", "fields", "keywords",
                  "availability_days", "capacity", "programmes", "term_start", "term_end"]


class TalentViewSet(ScopedReadOnlyViewSet):
    queryset = Talent.objects.select_related("home_unit")
    serializer_class = TalentSerializer
    search_fields = ["name"]


class DemandSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = ServiceDemand
        fields = ["id", "requester", "region", "year", "problem", "fields", "keywords", "days_needed", "need", "status"]


class DemandViewSet(ScopedReadOnlyViewSet):
    queryset = ServiceDemand.objects.select_related("region")
    serializer_class = DemandSerializer
    filterset_fields = {"year": ["exact"], "status": ["exact"], "region__code": ["exact"]}


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "plan", "talent", "demand", "cost", "reasons", "pinned"]


class AssignmentViewSet(ScopedReadOnlyViewSet):
    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_fields = ["plan", "talent", "demand"]
