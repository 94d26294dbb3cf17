from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConnectorsConfig(AppConfig):
    """Provider catalog, per-tenant connections, connector calls, sandbox providers."""

    name = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from connectors import hooks
        from connectors.calls import replay
        from connectors.calls.runner import CALL_FAILED_EVENT
        from connectors.providers import all_definitions
        from core.jobs import kinds
        from webhooks.outbound import event_types, publishing

        event_types.declare(CALL_FAILED_EVENT, "A connector call failed after its last attempt.")
        for definition in all_definitions():
            for name in definition.events:
                event_types.declare(f"{definition.code}.{name}", f"{definition.name}: {name}")
        publishing.on_publish("request_submitted", hooks.notify_slack_of_request)
        kinds.register(replay.REPLAY)
        post_migrate.connect(ensure_sweeper_schedule, sender=self)


def ensure_sweeper_schedule(**kwargs) -> None:
    from django.conf import settings

    from core.schedules import ensure_interval_task

    ensure_interval_task(
        name="Connector calls: re-enqueue due and stuck calls",
        task="connectors.sweep_calls",
        every_seconds=settings.OUTBOUND_SWEEP_INTERVAL_SECONDS,
    )
