from django.contrib import admin
from django.urls import include, path
from django.contrib.auth import views as auth_views
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from countyinno.accounts.auth_views import LoginView, PasswordChangeView, totp_step
from countyinno.regions.views import boundaries_geojson

urlpatterns = [
    path("", include("countyinno.portal.urls")),
    path("", include("countyinno.core.urls")),
    path("map/boundaries.geojson", boundaries_geojson, name="map-boundaries"),
    path("login/", LoginView.as_view(), name="login"),
    path("login/totp/", totp_step, name="login-totp"),
    path("password/change/", PasswordChangeView.as_view(), name="password-change"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
