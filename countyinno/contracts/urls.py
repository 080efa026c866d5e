from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("apply/", views.contract_apply, name="apply"),
    path("statistics/", views.statistics, name="statistics"),
    path("agencies/", views.agencies, name="agencies"),
    path("managers/", views.managers, name="managers"),
    path("references/", views.references, name="references"),
    path("references/<int:pk>/<str:answer>/", views.reference_answer, name="reference-answer"),
    path("points/", views.points, name="points"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("verify/", views.verify, name="verify"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/withdraw/", views.contract_withdraw, name="withdraw"),
    path("<int:pk>/exclude/", views.contract_exclude, name="exclude"),
    path("<int:pk>/payments/", views.contract_payment, name="payment"),
    path("<int:pk>/certificate.pdf", views.contract_certificate, name="certificate"),
    path("<int:pk>/<str:decision>/", views.contract_decide, name="decide"),
]
