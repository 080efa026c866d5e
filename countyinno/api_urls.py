"""All REST endpoints under /api/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from countyinno.accounts.api.views import OrganisationViewSet, UserViewSet
from countyinno.core.api.base import ObtainTokenView, RevokeTokenView
from countyinno.core.api.views import AuditLogViewSet, JobViewSet
from countyinno.contracts.api.views import ContractViewSet, PointViewSet
from countyinno.enterprises.api.views import CarrierViewSet, EnterpriseViewSet, EnterpriseYearViewSet, PoolViewSet
from countyinno.monitoring.api.views import (CampaignViewSet, FrameworkViewSet, ResultViewSet, RunViewSet,
                                             SubmissionViewSet)
from countyinno.regions.api.views import RegionViewSet
from countyinno.techmarket.api.views import ListingViewSet
from countyinno.talent.api.views import AssignmentViewSet, DemandViewSet, TalentViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("users", UserViewSet, basename="user")
router.register("audit", AuditLogViewSet, basename="audit")
router.register("jobs", JobViewSet, basename="job")
router.register("monitoring/frameworks", FrameworkViewSet, basename="monitoring-framework")
router.register("monitoring/campaigns", CampaignViewSet, basename="monitoring-campaign")
router.register("monitoring/submissions", SubmissionViewSet, basename="monitoring-submission")
router.register("monitoring/runs", RunViewSet, basename="monitoring-run")
router.register("monitoring/results", ResultViewSet, basename="monitoring-result")
router.register("enterprises/enterprises", EnterpriseViewSet, basename="enterprise")
router.register("enterprises/years", EnterpriseYearViewSet, basename="enterprise-year")
router.register("enterprises/pool", PoolViewSet, basename="enterprise-pool")
router.register("enterprises/carriers", CarrierViewSet, basename="carrier")
router.register("contracts/contracts", ContractViewSet, basename="contract")
router.register("contracts/points", PointViewSet, basename="registration-point")
router.register("talent/talents", TalentViewSet, basename="talent")
router.register("talent/demands", DemandViewSet, basename="talent-demand")
router.register("talent/assignments", AssignmentViewSet, basename="talent-assignment")
router.register("market/listings", ListingViewSet, basename="listing")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("", include(router.urls)),
]
