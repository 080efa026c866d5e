from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/export.xlsx", views.organisation_export, name="organisations-export"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/deactivate/", views.organisation_deactivate, name="organisation-deactivate"),
    path("organisations/<int:pk>/reactivate/", views.organisation_reactivate, name="organisation-reactivate"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user-reset-password"),
    path("users/<int:pk>/reset-second-factor/", views.user_reset_second_factor, name="user-reset-second-factor"),
    path("users/<int:pk>/role/", views.user_change_role, name="user-role"),
    path("security/", views.security_page, name="security"),
    path("security/enrol/", views.security_start, name="security-start"),
    path("security/confirm/", views.security_confirm, name="security-confirm"),
    path("security/recovery-codes/", views.security_recovery_codes, name="security-recovery-codes"),
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/lift/", views.lockout_lift, name="lockout-lift"),
]
