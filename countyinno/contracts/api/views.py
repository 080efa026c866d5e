from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedReadOnlyViewSet
from countyinno.engines.rules import contracts as rules
from countyinno.engines.rules.cli import validate_schema
from countyinno.engines.rules.common import RuleInputError
from countyinno.engines.rules.rulesets import RuleSetError

from ..labels import plain
from ..models import RegistrationPoint, TechContract


class ContractSerializer(serializers.ModelSerializer):
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    seller_region = serializers.CharField(source="seller.region.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    subtype_label = serializers.CharField(read_only=True)

    class Meta:
        model = TechContract
        fields = ["id", "registration_number", "status", "project_name", "category", "subtype", "signed_on",
                  "seller", "seller_name", "seller_region", "buyer_name", "status_label", "category_label", "subtype_label", "buyer_credit_code", "buyer_area_code",
                  "total_amount", "technical_amount", "related_party", "due_on", "decided_on", "refusal_reasons",
                  "verdict", "agency", "agency_status", "excluded", "market_listing"]


class ContractViewSet(ScopedReadOnlyViewSet):
    queryset = TechContract.objects.select_related("seller", "seller__region")
    serializer_class = ContractSerializer
    filterset_fields = {"status": ["exact"], "category": ["exact"], "seller__region__code": ["exact"],
                        "signed_on": ["gte", "lte"]}
    search_fields = ["project_name", "registration_number", "buyer_name"]

    @extend_schema(request=dict, responses=dict)
    @action(detail=False, methods=["post"])
    def check(self, request):
        """Run the registrability rules on a contract (the JSON of docs/contracts.md) without saving."""
        problems = validate_schema("contracts", request.data)
        if problems:
            raise serializers.ValidationError({"contract": problems})
        try:
            return Response(plain(rules.check(request.data)))
        except RuleInputError as exc:
            raise serializers.ValidationError({p.field: [f"{p.message_zh} / {p.message_en}"] for p in exc.problems})
        except RuleSetError as exc:
            raise serializers.ValidationError({"signed_on": [str(exc)]})


class PointSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = RegistrationPoint
        fields = ["id", "code", "name", "region", "is_active"]


class PointViewSet(ScopedReadOnlyViewSet):
    queryset = RegistrationPoint.objects.select_related("region")
    serializer_class = PointSerializer
    filterset_fields = {"region__code": ["exact"], "is_active": ["exact"]}
