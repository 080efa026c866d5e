from rest_framework import serializers

from countyinno.core.api.base import ScopedReadOnlyViewSet

from ..models import Carrier, Enterprise, EnterpriseYear, PoolMembership


class EnterpriseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organisation.name", read_only=True)
    credit_code = serializers.CharField(source="organisation.credit_code", read_only=True)
    region = serializers.CharField(source="organisation.region.code", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "region", "industry", "size", "founded", "domain"]


class EnterpriseViewSet(ScopedReadOnlyViewSet):
    queryset = Enterprise.objects.select_related("organisation", "organisation__region")
    serializer_class = EnterpriseSerializer
    filterset_fields = {"size": ["exact"], "organisation__region__code": ["exact"], "industry": ["startswith"]}
    search_fields = ["organisation__name", "organisation__credit_code"]


class EnterpriseYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseYear
        fields = "__all__"


class EnterpriseYearViewSet(ScopedReadOnlyViewSet):
    queryset = EnterpriseYear.objects.all()
    serializer_class = EnterpriseYearSerializer
    filterset_fields = ["enterprise", "year"]


class PoolSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = PoolMembership
        fields = ["id", "enterprise", "region", "year_joined", "status", "graduated_year"]


class PoolViewSet(ScopedReadOnlyViewSet):
    queryset = PoolMembership.objects.select_related("region")
    serializer_class = PoolSerializer
    filterset_fields = {"status": ["exact"], "region__code": ["exact"], "year_joined": ["exact"]}


class CarrierSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Carrier
        fields = ["id", "name", "kind", "level", "region", "recognised", "residents"]


class CarrierViewSet(ScopedReadOnlyViewSet):
    queryset = Carrier.objects.select_related("region").prefetch_related("residents")
    serializer_class = CarrierSerializer
    filterset_fields = {"kind": ["exact"], "level": ["exact"], "region__code": ["exact"]}
