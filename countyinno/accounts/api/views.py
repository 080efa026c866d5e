from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedModelViewSet, ScopedReadOnlyViewSet
from countyinno.core.errors import bilingual
from countyinno.regions.models import Region

from .. import services
from ..models import Organisation, User


class RegionCodeField(serializers.SlugRelatedField):
    """A region given by its code; only regions the user may act in resolve."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Region.objects.all(), **kwargs)

    def to_internal_value(self, data):
        try:
            return Region.objects.get(code=str(data))
        except Region.DoesNotExist:
            raise serializers.ValidationError(bilingual(f"未知区划代码 {data}", f"unknown region code {data}"))


class OrganisationSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "credit_code", "region", "region_name", "address", "contact_phone",
                  "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked by the model's full_clean inside the service.
        extra_kwargs = {"credit_code": {"validators": []}}


class OrganisationViewSet(ScopedModelViewSet):
    queryset = Organisation.objects.select_related("region")
    serializer_class = OrganisationSerializer
    filterset_fields = {"kind": ["exact"], "region__code": ["exact"], "region__city__code": ["exact"],
                        "is_active": ["exact"]}
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.create_organisation(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_organisation(actor=self.request.user, organisation=serializer.instance,
                                                           **serializer.validated_data)


class UserSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True, default=None, allow_null=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "region", "organisation", "organisation_name",
                  "is_active", "last_login"]


class UserViewSet(ScopedReadOnlyViewSet):
    queryset = User.objects.select_related("region", "organisation")
    serializer_class = UserSerializer
    filterset_fields = ["role", "organisation", "is_active"]
    search_fields = ["username", "display_name"]

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(UserSerializer(request.user).data)
