from django.apps import AppConfig


class TalentConfig(AppConfig):
    name = "countyinno.talent"
    label = "talent"
    verbose_name = "科技人才 Talent"

    def ready(self):
        from . import providers  # noqa: F401
