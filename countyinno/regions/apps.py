from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "countyinno.regions"
    label = "regions"
    verbose_name = "行政区划 Regions"
