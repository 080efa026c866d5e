from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "countyinno.accounts"
    label = "accounts"
    verbose_name = "机构与账号 Organisations and accounts"
