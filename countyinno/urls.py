from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("countyinno.core.urls")),
    path("regions/", include("countyinno.regions.urls")),
    path("accounts/", include("countyinno.accounts.urls")),
    path("monitoring/", include("countyinno.monitoring.urls")),
    path("enterprises/", include("countyinno.enterprises.urls")),
    path("contracts/", include("countyinno.contracts.urls")),
    path("talent/", include("countyinno.talent.urls")),
    path("market/", include("countyinno.techmarket.urls")),
    path("rural/", include("countyinno.rural.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("countyinno.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

admin.site.site_header = "CountyInno 县域创新平台管理"
admin.site.site_title = "CountyInno"
