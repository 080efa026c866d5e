from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "countyinno.core"
    label = "core"
    verbose_name = "平台核心 Core"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import audit, security  # noqa: F401  security registers the deployment checks

        audit.connect_signals()
        from django.db.models.signals import post_migrate

        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="countyinno_cache_table")
        autodiscover_modules("jobs")  # every app's jobs.py registers its job kinds
        # Predicates must be registered before the first restrict(); declared actions before any walk.
        autodiscover_modules("permissions")
        autodiscover_modules("services")


def _create_cache_table(sender, using="default", **kwargs):
    """The lock-out counters live in the database cache: `migrate` alone must leave it ready."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
