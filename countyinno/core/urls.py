from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("jobs/", views.job_list, name="job-page-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-page"),
    path("notifications/", views.notification_list, name="notifications"),
    path("healthz", views.healthz, name="healthz"),
]
