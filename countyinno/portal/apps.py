from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that bring the domains together: the public home page and map, role home pages."""

    name = "countyinno.portal"
    label = "portal"
    verbose_name = "门户 Portal"
