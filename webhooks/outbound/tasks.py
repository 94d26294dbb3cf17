"""Celery tasks for outbound delivery: thin wrappers that take ids and call the services.

No Celery autoretry: retries, backoff and dead-lettering are the delivery service's own code,
driven by the database, so a lost message never loses a delivery.
"""

from celery import shared_task

from webhooks.outbound import batch, dispatch


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    return batch.deliver_due()


@shared_task(name="webhooks.deliver_batch", ignore_result=True)
def deliver_batch(delivery_ids: list[str]) -> None:
    batch.deliver_many(delivery_ids=delivery_ids)


@shared_task(name="webhooks.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> int:
    return dispatch.sweep()
