from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebhooksConfig(AppConfig):
    """Inbound provider webhooks and outbound subscriber deliveries."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from core.jobs import kinds
        from webhooks.inbound import reprocessing
        from webhooks.inbound.schedules import ensure_processing_schedule
        from webhooks.outbound import event_types, replay
        from webhooks.outbound.schedules import ensure_sweeper_schedule

        event_types.declare_hub_event_types()
        kinds.register(replay.REPLAY)
        kinds.register(reprocessing.REPROCESS)
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
        post_migrate.connect(ensure_processing_schedule, sender=self)
        _warn_about_ignored_bypass()


def _warn_about_ignored_bypass() -> None:
    from django.conf import settings

    if settings.CONNECTOR_SIGNATURE_BYPASS and not settings.DEBUG:
        import structlog

        structlog.get_logger(__name__).warning(
            "CONNECTOR_SIGNATURE_BYPASS is ignored: it only works with DEBUG on"
        )
