from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core infrastructure"

    def ready(self) -> None:
        from core import metrics  # noqa: F401 - registers the hub's metrics at start
        from core.api.fields import register_model_field_mappings, require_json_types
        from core.jobs.schedules import ensure_sweeper_schedule

        register_model_field_mappings()
        require_json_types()
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
