from rest_framework.generics import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedReadOnlyViewSet

from django.db.models import Q

from .. import services
from ..results import visible_runs
from ..models import CountySubmission, FrameworkNode, IndexResult, IndexRun, IndicatorFramework, SurveyCampaign


class FrameworkNodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FrameworkNode
        fields = ["code", "name", "name_en", "kind", "parent_code", "direction", "weight", "unit", "min_value",
                  "max_value", "jump_threshold", "required", "platform_source", "order"]


class FrameworkSerializer(serializers.ModelSerializer):
    nodes = FrameworkNodeSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorFramework
        fields = ["id", "code", "version", "name", "description", "status", "published_at", "nodes"]


class FrameworkViewSet(ScopedReadOnlyViewSet):
    queryset = IndicatorFramework.objects.prefetch_related("nodes")
    serializer_class = FrameworkSerializer
    filterset_fields = ["code", "status"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyCampaign
        fields = ["id", "year", "title", "framework", "deadline", "status", "pipeline_config"]


class CampaignViewSet(ScopedReadOnlyViewSet):
    queryset = SurveyCampaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_fields = ["year", "status", "framework"]


class SubmissionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    values = serializers.SerializerMethodField()

    class Meta:
        model = CountySubmission
        fields = ["id", "campaign", "region", "region_name", "status", "revision", "submitted_at", "approved_at",
                  "values"]

    def get_values(self, obj) -> dict:
        return {v.node.code: {"value": v.value, "source": v.source, "explanation": v.explanation}
                for v in obj.values.select_related("node")}


class SubmissionViewSet(ScopedReadOnlyViewSet):
    """Read a county's submission; its writes go through the declared actions (services.py), which
    answer 403 for a submission the user sees but may not act on (404 outside the user's scope)."""

    queryset = CountySubmission.objects.select_related("region")
    serializer_class = SubmissionSerializer
    filterset_fields = {"campaign": ["exact"], "status": ["exact"], "region__code": ["exact"],
                        "region__city__code": ["exact"], "campaign__year": ["exact"]}
    # Each workflow step asks its own predicate inside the action; "move" is the gate for every step.
    predicates = {"transition": "monitoring.move_submission", "values_update": "monitoring.edit_submission"}

    @extend_schema(request=inline_serializer("TransitionRequest", {
        "action": serializers.ChoiceField(choices=list(services.TRANSITIONS)),
        "comment": serializers.CharField(required=False, allow_blank=True)}), responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """submit / city_approve / city_return / province_approve / province_return, with a comment."""
        submission = get_object_or_404(CountySubmission.objects.restrict(request.user), pk=pk)
        step = request.data.get("action", "")
        if step not in services.TRANSITIONS:
            raise serializers.ValidationError({"action": [f"未知操作 {step!r} / unknown action {step!r}"]})
        updated = services.transition(actor=request.user, submission=submission, action=step,
                                      comment=str(request.data.get("comment", "")))
        return Response(SubmissionSerializer(updated).data)

    @extend_schema(request=inline_serializer("ValuesRequest", {
        "revision": serializers.IntegerField(), "values": serializers.DictField(),
        "explanations": serializers.DictField(required=False)}), responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def values_update(self, request, pk=None):
        """Save indicator values all-or-nothing; a stale revision answers 400 (someone else saved first)."""
        submission = get_object_or_404(CountySubmission.objects.restrict(request.user), pk=pk)
        values = request.data.get("values")
        if not isinstance(values, dict):
            raise serializers.ValidationError({"values": ["应为对象 {指标代码: 数值} / expected {code: value}"]})
        updated = services.save_values(actor=request.user, submission=submission, values=values,
                                       explanations=request.data.get("explanations") or {},
                                       expected_revision=request.data.get("revision"))
        return Response(SubmissionSerializer(updated).data)


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndexRun
        fields = ["id", "campaign", "status", "config", "years", "input_hash", "code_version", "created_at",
                  "finished_at", "summary"]


class RunViewSet(ScopedReadOnlyViewSet):
    queryset = IndexRun.objects.all()
    serializer_class = RunSerializer
    filterset_fields = ["campaign", "status"]


class ResultSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = IndexResult
        fields = ["id", "run", "region", "region_name", "year", "index", "rank", "rank_in_city", "performance_group",
                  "rank_change", "scores", "values", "rank_median", "rank_p05", "rank_p95", "strengths", "weaknesses"]


class ResultViewSet(ScopedReadOnlyViewSet):
    """A county's results: the user's own area, plus every result of a run published in the official's
    province (province-wide information), plus runs the province is reviewing."""

    queryset = IndexResult.objects.select_related("region")
    serializer_class = ResultSerializer
    filterset_fields = {"run": ["exact"], "year": ["exact"], "region__code": ["exact"],
                        "region__city__code": ["exact"]}
    ordering_fields = ["rank", "index", "year"]

    def get_queryset(self):
        own = super().get_queryset()
        runs = visible_runs(self.request.user)
        return (IndexResult.objects.select_related("region")
                .filter(Q(pk__in=own.values("pk")) | Q(run__in=runs.values("pk"))).order_by("run", "year", "rank"))
