"""Pulling changed contacts from a CRM, page by page. The cursor (modified-since plus the
provider's paging token) advances only in the transaction that commits its page, so a crash
anywhere resumes from the last committed page: no gaps, and a re-read page changes nothing.
Rate limits are waited out (within bounds); a run that can't go on ends failed and the next
scheduled run resumes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.db import transaction
from django.utils import timezone

from connectors.models import Connection
from crm_sync.models import RunStatus, SyncProfile, SyncRun, SyncTrigger
from crm_sync.remote import Page, RateLimited, RemoteApi, RemoteError, adapter_for
from crm_sync.services import runs
from crm_sync.services.profiles import profile_for
from crm_sync.services.pull import Tally, apply_contacts

log = structlog.get_logger(__name__)
Progress = Callable[[SyncRun], None]


@dataclass(frozen=True)
class PollLimits:
    max_pages: int | None = None  # None: until caught up
    max_waits: int = 5  # rate-limit waits in one run
    max_wait_seconds: float = 30.0


def poll(
    *,
    connection: Connection,
    trigger: str = SyncTrigger.POLL,
    run: SyncRun | None = None,
    api: RemoteApi | None = None,
    limits: PollLimits = PollLimits(),
    progress: Progress | None = None,
) -> SyncRun:
    profile = profile_for(connection)
    run = run or runs.queue_run(connection=connection, trigger=trigger)
    if not runs.begin(run=run, cursor=profile.cursor):
        return run
    tally = Tally()
    try:
        _pages(profile, run, tally, api or RemoteApi.for_connection(connection), limits, progress)
    except RemoteError as exc:
        log.warning("crm poll failed", connection_id=str(connection.id), error=str(exc))
        return runs.finish(run=run, status=RunStatus.FAILED, error=str(exc), tally=tally)
    except Exception as exc:  # a bug or a database failure: recorded, then raised
        runs.finish(run=run, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    SyncProfile.objects.filter(pk=profile.pk).update(last_polled_at=timezone.now())
    return runs.finish(run=run, status=RunStatus.SUCCEEDED, tally=tally)


def _pages(profile, run, tally, api, limits: PollLimits, progress: Progress | None) -> None:
    adapter, waits = adapter_for(profile.connection.connector), 0
    while limits.max_pages is None or run.pages < limits.max_pages:
        try:
            page = adapter.fetch_page(api=api, cursor=profile.cursor, page_size=profile.page_size)
        except RateLimited as limited:
            waits += 1
            if waits > limits.max_waits:
                raise RemoteError(f"still rate limited after {limits.max_waits} waits") from None
            time.sleep(min(limited.retry_after, limits.max_wait_seconds))
            continue
        profile = _commit_page(profile, run, tally, page)
        if progress is not None:
            progress(run)
        if page.done:
            return


def _commit_page(profile: SyncProfile, run: SyncRun, tally: Tally, page: Page) -> SyncProfile:
    with transaction.atomic():
        profile = (
            SyncProfile.objects.select_for_update().select_related("connection").get(pk=profile.pk)
        )
        apply_contacts(profile=profile, contacts=page.contacts, mode="poll", tally=tally)
        profile.cursor = page.cursor
        profile.save(update_fields=["cursor"])
        runs.record_page(run=run, tally=tally, cursor=page.cursor)
    return profile


def poll_connection_now(*, connection: Connection) -> SyncRun:
    """The API's "sync now": a queued manual run, polled by a worker once this commits."""
    run = runs.queue_run(connection=connection, trigger=SyncTrigger.MANUAL)
    transaction.on_commit(lambda: _enqueue(connection.id, run.id))
    return run


def _enqueue(connection_id, run_id) -> None:
    from crm_sync.tasks import poll_connection

    try:
        poll_connection.delay(str(connection_id), str(run_id))
    except Exception as exc:  # the run stays queued: visible, and the next beat poll covers it
        log.warning("crm poll enqueue failed", connection_id=str(connection_id), error=str(exc))


def reset_cursor(*, connection: Connection) -> None:
    """Forget the cursor: the next poll is a full backfill (re-reads change nothing)."""
    SyncProfile.objects.filter(connection=connection).update(cursor={})
