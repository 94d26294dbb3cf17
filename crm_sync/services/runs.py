"""Sync runs: each poll, manual sync, webhook-triggered sync and push is recorded as a run
with its counts. A poll run is the one writer of its connection's cursor: a unique constraint
admits one running poll per connection, and a run whose worker died (no heartbeat within the
lease) is marked failed so the next one can start from the cursor it committed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.models import Connection
from crm_sync import metrics
from crm_sync.models import RunStatus, SyncRun, SyncTrigger
from crm_sync.services.pull import Tally

POLL_TRIGGERS = (SyncTrigger.POLL, SyncTrigger.MANUAL)


def queue_run(*, connection: Connection, trigger: str) -> SyncRun:
    return SyncRun.objects.create(
        tenant_id=connection.tenant_id, connection=connection, trigger=trigger
    )


def begin(*, run: SyncRun, cursor: dict) -> bool:
    """Mark the run running; False (and the run skipped) when another poll holds the cursor."""
    if run.trigger in POLL_TRIGGERS:
        _expire_abandoned(run.connection_id)
    now = timezone.now()
    run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING, now, now
    run.cursor_before = run.cursor_after = cursor
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        finish(
            run=run, status=RunStatus.SKIPPED, error="another poll of this connection is running"
        )
        return False
    return True


def _expire_abandoned(connection_id) -> None:
    stale = timezone.now() - timedelta(seconds=settings.CRM_SYNC_RUN_LEASE_SECONDS)
    SyncRun.objects.filter(
        connection_id=connection_id,
        status=RunStatus.RUNNING,
        trigger__in=POLL_TRIGGERS,
        heartbeat_at__lt=stale,
    ).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        error="interrupted: its worker stopped; the next run resumes from the committed cursor",
    )


def start(*, connection: Connection, trigger: str, **about: Any) -> SyncRun:
    """A running run of a kind that holds no cursor (webhook, push): no queue, no turn."""
    now = timezone.now()
    return SyncRun.objects.create(
        tenant_id=connection.tenant_id,
        connection=connection,
        trigger=trigger,
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        **about,
    )


def start_push_run(*, client, connection: Connection, call) -> SyncRun:
    running = SyncRun.objects.filter(connector_call=call, status=RunStatus.RUNNING).first()
    if running is not None:  # the call is still in flight from an earlier push
        return running
    return start(
        connection=connection, trigger=SyncTrigger.PUSH, client=client, connector_call=call
    )


def finish_push_run(*, call, linked: bool) -> None:
    """When its call finishes: created (a new record at the provider), updated, or failed."""
    run = SyncRun.objects.filter(connector_call=call, status=RunStatus.RUNNING).first()
    if run is None:
        return
    tally = Tally()
    if call.status == "succeeded":
        tally.created, tally.updated = int(linked), int(not linked)
        finish(run=run, status=RunStatus.SUCCEEDED, tally=tally)
    else:
        tally.failed = 1
        finish(run=run, status=RunStatus.FAILED, error=call.error, tally=tally)


def record_page(*, run: SyncRun, tally: Tally, cursor: dict) -> None:
    """In the page's transaction: the counts so far and the cursor the page committed."""
    for name, value in tally.as_dict().items():
        setattr(run, name, value)
    run.pages += 1
    run.cursor_after = cursor
    run.heartbeat_at = timezone.now()
    run.save()


def finish(*, run: SyncRun, status: str, error: str = "", tally: Tally | None = None) -> SyncRun:
    if tally is not None:
        for name, value in tally.as_dict().items():
            setattr(run, name, value)
    run.status = status
    run.error = error[:4000]
    run.finished_at = timezone.now()
    run.save()
    metrics.RUNS.labels(
        provider=run.connection.connector, trigger=run.trigger, outcome=status
    ).inc()
    return run
