from django.apps import AppConfig


class TechmarketConfig(AppConfig):
    name = "countyinno.techmarket"
    label = "techmarket"
    verbose_name = "网上技术市场 Online technology market"

    def ready(self):
        from . import events, permissions, services  # noqa: F401  registers the app's predicates and declared actions
