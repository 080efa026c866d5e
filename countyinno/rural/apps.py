from django.apps import AppConfig


class RuralConfig(AppConfig):
    name = "countyinno.rural"
    label = "rural"
    verbose_name = "农业科技服务与政策目标 Rural services and policy targets"

    def ready(self):
        # The app's predicates (for restrict() and templates) and declared actions exist from start-up.
        from . import permissions, services  # noqa: F401
