"""Celery tasks for connector calls: take ids, call the services."""

from celery import shared_task

from connectors.calls import dispatch, runner


@shared_task(name="connectors.run_call", ignore_result=True)
def run_connector_call(call_id: str) -> None:
    runner.run(call_id=call_id)


@shared_task(name="connectors.sweep_calls", ignore_result=True)
def sweep_connector_calls() -> int:
    return dispatch.sweep()
