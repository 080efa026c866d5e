from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "countyinno.regions"
    label = "regions"
    verbose_name = "行政区划 Regions"

    def ready(self):
        from . import permissions, services  # noqa: F401  registers the app's predicate and declared actions
