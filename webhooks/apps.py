from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebhooksConfig(AppConfig):
    """Inbound provider webhooks and outbound subscriber deliveries."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from webhooks.outbound import event_types
        from webhooks.outbound.schedules import ensure_sweeper_schedule

        event_types.declare_hub_event_types()
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
