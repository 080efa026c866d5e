import django_filters
from rest_framework import serializers

from ..models import AuditLogEntry, Job
from .base import ScopedReadOnlyViewSet


class AuditLogEntrySerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = AuditLogEntry
        fields = ["id", "timestamp", "actor", "actor_name", "action", "object_type", "object_id", "object_repr",
                  "before", "after", "changes", "comment", "region", "organisation"]


class AuditLogFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")
    object_type = django_filters.CharFilter(field_name="content_type__model")

    class Meta:
        model = AuditLogEntry
        fields = ["action", "actor", "object_id", "region", "organisation"]


class AuditLogViewSet(ScopedReadOnlyViewSet):
    queryset = AuditLogEntry.objects.select_related("content_type")
    serializer_class = AuditLogEntrySerializer
    filterset_class = AuditLogFilter
    search_fields = ["object_repr", "actor_name"]


class JobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    error_message = serializers.CharField(read_only=True)

    class Meta:
        model = Job
        fields = ["id", "kind", "title", "status", "status_display", "progress", "message", "result", "error",
                  "error_message", "created_by", "created_at", "started_at", "finished_at"]


class JobViewSet(ScopedReadOnlyViewSet):
    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_fields = ["status", "kind"]
