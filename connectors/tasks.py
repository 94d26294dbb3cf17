"""Celery tasks for connector calls: take ids, call the services."""

from celery import shared_task

from connectors import metrics, selectors
from connectors.calls import dispatch, runner


@shared_task(name="connectors.run_call", ignore_result=True)
def run_connector_call(call_id: str) -> None:
    runner.run(call_id=call_id)


@shared_task(name="connectors.sweep_calls", ignore_result=True)
def sweep_connector_calls() -> int:
    swept = dispatch.sweep()
    # The breaker gauges ride on this periodic task: breakers change state in the shared
    # cache (and go half-open by the clock alone), so no single process sees every change.
    metrics.export_breaker_states(selectors.breaker_states_by_connector())
    return swept
