from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("apply/", views.contract_apply, name="apply"),
    path("statistics/", views.statistics, name="statistics"),
    path("agencies/", views.agencies, name="agencies"),
    path("managers/", views.managers, name="managers"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/payments/", views.contract_payment, name="payment"),
    path("<int:pk>/certificate.pdf", views.contract_certificate, name="certificate"),
    path("<int:pk>/<str:decision>/", views.contract_decide, name="decide"),
]
