from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "countyinno.contracts"
    label = "contracts"
    verbose_name = "技术合同 Technology contracts"

    def ready(self):
        # permissions and services declare the app's predicates and actions; providers registers
        # 技术合同成交额 for the monitoring survey.
        from . import permissions, providers, services  # noqa: F401
