from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmSyncConfig(AppConfig):
    """The local CRM of clients and its sync with providers."""

    name = "crm_sync"
    verbose_name = "CRM sync"

    def ready(self) -> None:
        from connectors.calls.runner import on_finished
        from crm_sync import inbound, signals
        from crm_sync.services import push
        from webhooks.inbound import handlers

        signals.connect()
        handlers.register(inbound.sync_from_webhook)
        on_finished(push.on_call_finished)
        post_migrate.connect(ensure_sweeper_schedule, sender=self)


def ensure_sweeper_schedule(**kwargs) -> None:
    from django.conf import settings

    from core.schedules import ensure_interval_task

    ensure_interval_task(
        name="CRM sync: re-enqueue waiting pushes, settle finished ones",
        task="crm_sync.sweep",
        every_seconds=settings.CRM_SYNC_SWEEP_INTERVAL_SECONDS,
    )
