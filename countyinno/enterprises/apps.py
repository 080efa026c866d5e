from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "countyinno.enterprises"
    label = "enterprises"
    verbose_name = "企业培育 Enterprise cultivation"

    def ready(self):
        # predicates for restrict(), the declared actions, platform data for the monitoring survey
        from . import permissions, providers, services  # noqa: F401
