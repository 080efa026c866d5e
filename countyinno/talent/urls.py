from django.urls import path

from . import views

app_name = "talent"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("demands/new/", views.demand_create, name="demand-create"),
    path("plans/solve/", views.plan_solve, name="plan-solve"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/logs/", views.log_create, name="log-create"),
    path("logs/<int:pk>/confirm/", views.log_confirm, name="log-confirm"),
    path("assessments/", views.assessments, name="assessments"),
    path("workstations/", views.workstations, name="workstations"),
    path("workstations/<int:pk>/review/", views.workstation_review, name="workstation-review"),
]
