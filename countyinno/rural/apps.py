from django.apps import AppConfig


class RuralConfig(AppConfig):
    name = "countyinno.rural"
    label = "rural"
    verbose_name = "农业科技服务与政策目标 Rural services and policy targets"
