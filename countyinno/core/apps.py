from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "countyinno.core"
    label = "core"
    verbose_name = "平台核心 Core"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import audit, security  # noqa: F401  security registers the deployment checks

        audit.connect_signals()
        autodiscover_modules("jobs")  # every app's jobs.py registers its job kinds
