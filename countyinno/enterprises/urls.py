from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("pool/", views.pool_progress, name="pool"),
    path("carriers/", views.carrier_list, name="carriers"),
    path("carriers/new/", views.carrier_create, name="carrier-create"),
    path("carriers/<int:pk>/", views.carrier_detail, name="carrier"),
    path("carriers/<int:pk>/edit/", views.carrier_edit, name="carrier-edit"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/years/", views.enterprise_year_save, name="year-save"),
    path("<int:pk>/nominate/", views.enterprise_nominate, name="nominate"),
    path("<int:pk>/certificates/new/", views.certificate_add, name="certificate-add"),
    path("<int:pk>/assess/<slug:kind>/", views.assessment, name="assess"),
]
