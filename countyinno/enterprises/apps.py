from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "countyinno.enterprises"
    label = "enterprises"
    verbose_name = "企业培育 Enterprise cultivation"

    def ready(self):
        from . import providers  # noqa: F401  registers platform data for the monitoring survey
