from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core infrastructure"

    def ready(self) -> None:
        from core import metrics  # noqa: F401 - registers the hub's metrics at start
        from core.api.fields import register_model_field_mappings, require_json_types

        register_model_field_mappings()
        require_json_types()
