from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "countyinno.monitoring"
    label = "monitoring"
    verbose_name = "创新监测 Innovation monitoring"

    def ready(self):
        from . import permissions  # noqa: F401  registers the predicates restrict(user, action) asks
