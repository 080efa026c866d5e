from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedModelViewSet, ScopedReadOnlyViewSet
from countyinno.core.errors import bilingual
from countyinno.core.scoping import VIEW
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
    """Admins register and change the organisations of their area; members edit their own one's contact details."""

    queryset = Organisation.objects.select_related("region")
    serializer_class = OrganisationSerializer
    filterset_fields = {"kind": ["exact"], "region__code": ["exact"], "region__city__code": ["exact"],
                        "is_active": ["exact"]}
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "created_at"]
    # Writes fetch from what the user may see: a visible organisation the user may not change is 403, not 404.
    scope_action_by_method = {**ScopedModelViewSet.scope_action_by_method, "PUT": VIEW, "PATCH": VIEW}
    # Role-level gate before the view; the actions check the object (and, on update, which fields changed).
    predicates = {"create": "accounts.create_organisation", "update": "accounts.edit_organisation_contact",
                  "partial_update": "accounts.edit_organisation_contact"}

    def perform_create(self, serializer):
        serializer.instance = services.create_organisation(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        organisation, changes = serializer.instance, serializer.validated_data
        if services.changed_fields(organisation, changes) <= set(services.CONTACT_FIELDS):
            contact = {k: v for k, v in changes.items() if k in services.CONTACT_FIELDS}
            serializer.instance = services.update_organisation_contact(actor=self.request.user,
                                                                       organisation=organisation, **contact)
        else:
            serializer.instance = services.update_organisation(actor=self.request.user, organisation=organisation,
                                                               **changes)


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
