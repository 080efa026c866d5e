from django.apps import AppConfig


class TechmarketConfig(AppConfig):
    name = "countyinno.techmarket"
    label = "techmarket"
    verbose_name = "网上技术市场 Online technology market"
