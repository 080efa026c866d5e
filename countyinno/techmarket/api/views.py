from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from countyinno.core.api.base import ScopedReadOnlyViewSet

from .. import search
from ..models import Listing


class ListingSerializer(serializers.ModelSerializer):
    """Public fields only: the confidential detail is never in the API."""

    organisation_name = serializers.SerializerMethodField()
    market_node = serializers.CharField(source="market_node.code", read_only=True)

    class Meta:
        model = Listing
        fields = ["id", "kind", "title", "summary", "public_description", "keywords", "field", "industry", "trl",
                  "transfer_modes", "price", "budget_min", "budget_max", "indicators", "tender", "valid_until",
                  "status", "published_at", "market_node", "organisation_name"]

    def get_organisation_name(self, obj) -> str:
        return obj.display_owner()


class ListingViewSet(ScopedReadOnlyViewSet):
    queryset = Listing.objects.select_related("organisation", "market_node")
    serializer_class = ListingSerializer
    filterset_fields = {"kind": ["exact"], "status": ["exact"], "field": ["exact"], "market_node__code": ["exact"]}

    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """Explained matches: demand → achievements, achievement → demands."""
        listing = self.get_object()
        return Response([{"listing": ListingSerializer(m["listing"]).data, "score": m["score"], "reasons": m["reasons"]}
                         for m in search.matches(listing)])
