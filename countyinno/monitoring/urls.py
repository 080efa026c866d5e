from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/run/", views.campaign_run, name="campaign-run"),
    path("campaigns/<int:pk>/approve/", views.campaign_batch_approve, name="campaign-batch-approve"),
    path("campaigns/<int:pk>/remind/", views.campaign_remind, name="campaign-remind"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign-close"),
    path("frameworks/import/", views.framework_import, name="framework-import"),
    path("frameworks/<int:pk>/", views.framework_detail, name="framework"),
    path("frameworks/<int:pk>/export.xlsx", views.framework_export, name="framework-export"),
    path("frameworks/<int:pk>/nodes/<int:node_id>/", views.framework_node_update, name="framework-node"),
    path("frameworks/<int:pk>/<str:action>/", views.framework_action, name="framework-action"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/save/", views.submission_save, name="submission-save"),
    path("submissions/<int:pk>/template.xlsx", views.submission_template, name="submission-template"),
    path("submissions/<int:pk>/upload/", views.submission_upload, name="submission-upload"),
    path("submissions/<int:pk>/<str:action>/", views.submission_transition, name="submission-transition"),
    path("rankings/", views.rankings, name="rankings"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run-publish"),
    path("runs/<int:pk>/map.json", views.run_map_data, name="run-map"),
    path("runs/<int:pk>/export.xlsx", views.run_export, name="run-export"),
    path("runs/<int:pk>/inputs.zip", views.run_inputs, name="run-inputs"),
    path("runs/<int:pk>/decisions/", views.run_decisions, name="run-decisions"),
    path("runs/<int:pk>/report/", views.run_report, name="run-report"),
    path("runs/<int:pk>/report.html", views.run_report_html, name="run-report-html"),
    path("runs/<int:pk>/report.pdf", views.run_report_pdf, name="run-report-pdf"),
    path("runs/<int:pk>/counties/<str:code>/", views.county_profile, name="county"),
    path("runs/<int:pk>/counties/<str:code>/report/", views.county_report, name="county-report"),
]
