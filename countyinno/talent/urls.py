from django.urls import path

from . import views

app_name = "talent"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("pool/", views.pool, name="pool"),
    path("pool/new/", views.talent_create, name="talent-create"),
    path("pool/<int:pk>/edit/", views.talent_edit, name="talent-edit"),
    path("demands/new/", views.demand_create, name="demand-create"),
    path("plans/solve/", views.plan_solve, name="plan-solve"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/logs/", views.log_create, name="log-create"),
    path("assignments/<int:pk>/evaluate/", views.assignment_evaluate, name="assignment-evaluate"),
    path("logs/<int:pk>/confirm/", views.log_confirm, name="log-confirm"),
    path("logs/<int:pk>/dispute/", views.log_dispute, name="log-dispute"),
    path("logs/<int:pk>/answer/", views.log_answer, name="log-answer"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("assessments/", views.assessments, name="assessments"),
    path("assessments/recompute/", views.assess, name="assess"),
    path("workstations/", views.workstations, name="workstations"),
    path("workstations/new/", views.workstation_create, name="workstation-create"),
    path("workstations/publicity/", views.publicity, name="publicity"),
    path("workstations/<int:pk>/", views.workstation_detail, name="workstation"),
    path("workstations/<int:pk>/review/", views.workstation_review, name="workstation-review"),
    path("workstations/<int:pk>/resubmit/", views.workstation_resubmit, name="workstation-resubmit"),
    path("workstations/<int:pk>/materials/<int:material_pk>/", views.workstation_material,
         name="workstation-material"),
]
