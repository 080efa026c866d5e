from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "countyinno.accounts"
    label = "accounts"
    verbose_name = "机构与账号 Organisations and accounts"

    def ready(self):
        # Registers the app's predicates and declared actions, and the organisation counts on region pages.
        from . import permissions, services, views  # noqa: F401
