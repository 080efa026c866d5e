from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "countyinno.contracts"
    label = "contracts"
    verbose_name = "技术合同 Technology contracts"

    def ready(self):
        from . import providers  # noqa: F401  registers 技术合同成交额 for the monitoring survey
