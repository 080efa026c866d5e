from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/export.xlsx", views.organisation_export, name="organisations-export"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
]
