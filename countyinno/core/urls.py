from django.contrib.auth import views as auth_views
from django.urls import path

from countyinno.accounts.auth_views import LoginView, PasswordChangeView, totp_step

from countyinno.regions.views import boundaries_geojson

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/county-stats.json", views.county_stats, name="home-county-stats"),
    path("map/boundaries.geojson", boundaries_geojson, name="map-boundaries"),
    path("audit/", views.audit_log, name="audit-log"),
    path("jobs/", views.job_list, name="job-page-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-page"),
    path("login/", LoginView.as_view(), name="login"),
    path("login/totp/", totp_step, name="login-totp"),
    path("password/change/", PasswordChangeView.as_view(), name="password-change"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
