from django import forms
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedReadOnlyViewSet

from .. import assessments
from ..forms import YearForm
from ..models import Carrier, Enterprise, EnterpriseYear, PoolMembership

CONDITION = inline_serializer("AssessmentCondition", {
    "name": serializers.CharField(), "passed": serializers.BooleanField(allow_null=True),
    "result": serializers.CharField(), "value": serializers.CharField(), "required": serializers.CharField()})
REPORT = inline_serializer("AssessmentReport", {
    "kind": serializers.CharField(), "title": serializers.CharField(),
    "verdict": serializers.CharField(allow_null=True, help_text="PASS / FAIL / BORDERLINE"),
    "verdict_label": serializers.CharField(help_text="通过 / 未通过 / 临界"), "why": serializers.CharField(),
    "score": serializers.CharField(), "ruleset": serializers.CharField(), "error": serializers.CharField(),
    "conditions": CONDITION.__class__(many=True),
    "failures": serializers.ListField(child=serializers.DictField(child=serializers.CharField())),
    "improvements": serializers.ListField(child=serializers.CharField()),
    "inputs": serializers.DictField(help_text="the inputs used (pre-filled from the yearly figures, then overrides)")})


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
    predicates = {"assessment": "enterprises.self_assess"}

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     enum=list(assessments.KINDS)),
                    OpenApiParameter("year", OpenApiTypes.INT, description="pre-fill from this year's figures")],
        responses={200: REPORT},
        description="自评 / self-assessment on the enterprise's figures: 高企 (hightech), 科技型中小企业 (tsme) or "
                    "研发费用加计扣除 (superdeduction). Any input of the page's form may be overridden as a query "
                    "parameter of the same name; bad values answer 400 with bilingual messages per field.")
    @action(detail=True, methods=["get"], url_path=r"assessments/(?P<kind>[a-z]+)", filter_backends=[],
            pagination_class=None)
    def assessment(self, request, pk=None, kind=None):
        enterprise = self.get_object()
        spec = assessments.KINDS.get(kind)
        if spec is None:
            raise exceptions.NotFound(f"未知自评类型 / unknown assessment: {kind[:40]}")
        year_form = YearForm(request.query_params)
        if not year_form.is_valid():
            raise exceptions.ValidationError({k: list(v) for k, v in year_form.errors.items()})
        year = year_form.chosen_year()
        prefilled = spec._as_data(spec.form(enterprise, year))
        overrides = {k: v for k, v in request.query_params.items() if k != "year"}
        data = QueryDict(mutable=True)
        fields = spec.form(enterprise, year).fields
        for key, value in {**prefilled, **overrides}.items():
            if isinstance(fields.get(key), forms.BooleanField) and str(value).lower() in ("false", "0", "off", "no", ""):
                continue  # an unchecked flag
            data[key] = value
        form = spec.form(enterprise, year, data=data)
        report = spec.assess_form(enterprise, form)
        if report is None:
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        body = report.as_dict()
        body["inputs"] = {k: str(v) if v is not None else None for k, v in form.cleaned_data.items()}
        return Response(body)


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
