"""Running a connector call: claim it, ask the breaker, call the provider, then succeed,
retry with backoff, or fail and dead-letter it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connectors import breaker, metrics
from connectors.calls.execute import enqueue
from connectors.models import CallStatus, ConnectionStatus, ConnectorCall
from connectors.providers import get_definition
from connectors.providers.base import CapabilityContext, ProviderError
from core import http
from webhooks.outbound.retry import parse_retry_after

log = structlog.get_logger(__name__)
_sessions = threading.local()
CALL_FAILED_EVENT = "connector.call.failed"
FinishListener = Callable[[ConnectorCall], None]
_finish_listeners: list[FinishListener] = []


def on_finished(listener: FinishListener) -> None:
    """Run ``listener(call)`` in the transaction that marks a call succeeded or failed: how
    other apps learn a call's outcome (the CRM push settles its client)."""
    if listener not in _finish_listeners:
        _finish_listeners.append(listener)


def run(*, call_id) -> ConnectorCall | None:
    call = claim(call_id=call_id)
    if call is None:
        return None
    if call.connection.status != ConnectionStatus.ACTIVE:
        return _fail_unsent(call)
    allowed, retry_at = breaker.allow(str(call.connection_id))
    if not allowed:
        return _wait_for_breaker(call, retry_at)
    started = time.monotonic()
    try:
        response = _invoke(call)
    except ProviderError as error:
        return _failed_attempt(call, error, duration=time.monotonic() - started)
    return _succeeded(call, response, duration=time.monotonic() - started)


# A disabled connection is never called: its waiting calls fail with this error at once.
CONNECTION_DISABLED = "connection disabled: not sent; replay the call once it is active again"


def fail_waiting(*, connection_id) -> int:
    """Fail the connection's calls that wait to go (it was just disabled), each as a failed
    call is (a ``connector.call.failed`` event, the finish listeners: a CRM push settles its
    client FAILED); how many. Running ones finish; any retry they schedule fails the same way
    when it is claimed."""
    with transaction.atomic():
        calls = list(
            ConnectorCall.objects.select_for_update(of=("self",))
            .select_related("connection", "tenant")
            .filter(connection_id=connection_id, status=CallStatus.PENDING)
            .order_by("created_at")
        )
        for call in calls:
            _fail_unsent(call)
    return len(calls)


def _fail_unsent(call: ConnectorCall) -> ConnectorCall:
    metrics.observe_call(call, outcome="failed", duration=0.0)
    with transaction.atomic():
        _finish(call, CallStatus.FAILED, response=None, error=CONNECTION_DISABLED)
        _dead_letter(call)
    return call


def claim(*, call_id) -> ConnectorCall | None:
    now = timezone.now()
    claimable = Q(status=CallStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=CallStatus.RUNNING, lease_expires_at__lte=now
    )
    taken = ConnectorCall.objects.filter(claimable, pk=call_id).update(
        status=CallStatus.RUNNING,
        lease_expires_at=now + timedelta(seconds=settings.CONNECTOR_CALL_LEASE_SECONDS),
        updated_at=now,
    )
    if not taken:
        return None
    return ConnectorCall.objects.select_related("connection", "tenant").get(pk=call_id)


def _session():
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = http.outbound_session()
    return session


def _invoke(call: ConnectorCall) -> dict[str, Any]:
    connection = call.connection
    definition = get_definition(call.connector)
    capability = definition.capability(call.capability_id) if definition else None
    if capability is None:
        raise ProviderError(f"{call.connector} has no capability {call.capability_id!r}")
    context = CapabilityContext(
        base_url=definition.base_url(override=connection.base_url, config=connection.config),
        config=connection.config,
        credentials=connection.credentials,
        session=_session(),
        timeout=settings.CONNECTOR_CALL_TIMEOUT_SECONDS,
        idempotency_key=call.key,
    )
    try:
        return capability.handler(context, call.payload)
    except KeyError as missing:  # a credential the connection lacks: fix the connection
        raise ProviderError(f"connection is missing {missing.args[0]!r}") from missing


def _succeeded(call: ConnectorCall, response: dict[str, Any], *, duration: float) -> ConnectorCall:
    breaker.record(str(call.connection_id), success=True)
    metrics.observe_call(call, outcome="succeeded", duration=duration)
    call.attempts += 1
    _finish(call, CallStatus.SUCCEEDED, response=response, error="")
    return call


def _failed_attempt(call: ConnectorCall, error: ProviderError, *, duration: float) -> ConnectorCall:
    # Only the provider's or the network's failures (retryable) count against the breaker: a
    # refusal (a 4xx, a missing credential, an address the guard refused) says nothing of the
    # provider's health, and counting it would let bad calls fail good ones fast.
    if error.retryable:
        _breaker_failure(call)
    call.attempts += 1
    if error.retryable and call.attempts < settings.CONNECTOR_CALL_MAX_ATTEMPTS:
        metrics.observe_call(call, outcome="retry", duration=duration)
        return _schedule_retry(call, error)
    metrics.observe_call(call, outcome="failed", duration=duration)
    with transaction.atomic():
        _finish(call, CallStatus.FAILED, response=_jsonable(error.body), error=str(error))
        _dead_letter(call)
    return call


def _breaker_failure(call: ConnectorCall) -> None:
    if breaker.record(str(call.connection_id), success=False):
        metrics.BREAKER_OPENED.labels(connector=call.connector).inc()
        log.warning(
            "circuit breaker opened",
            connector=call.connector,
            connection_id=str(call.connection_id),
            tenant_id=str(call.tenant_id),
        )


def backoff_seconds(attempt: int) -> float:
    """250 ms x 2^attempt (attempt 0 is the first retry), with jitter over its upper half."""
    delay = settings.CONNECTOR_CALL_BACKOFF_BASE_MS / 1000 * 2**attempt
    return delay / 2 + random.uniform(0, delay / 2)


def _schedule_retry(call: ConnectorCall, error: ProviderError) -> ConnectorCall:
    now = timezone.now()
    delay = backoff_seconds(call.retries)
    retry_after = parse_retry_after(error.retry_after, now=now)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.CONNECTOR_CALL_RETRY_AFTER_MAX_SECONDS))
    call.retries += 1
    metrics.RETRIES.labels(provider=call.connector).inc()
    _reschedule(call, at=now + timedelta(seconds=delay), error=str(error))
    return call


def _wait_for_breaker(call: ConnectorCall, retry_at: float | None) -> ConnectorCall:
    """Fail fast without reaching the provider, and without spending an attempt."""
    when = datetime.fromtimestamp(retry_at or time.time() + 1, tz=timezone.get_current_timezone())
    metrics.observe_call(call, outcome="short_circuited", duration=0.0)
    _reschedule(
        call, at=when, error=f"circuit breaker for this {call.connector} connection is open"
    )
    return call


def _reschedule(call: ConnectorCall, *, at: datetime, error: str) -> None:
    call.status = CallStatus.PENDING
    call.next_attempt_at = at
    call.enqueued_at = timezone.now()
    call.lease_expires_at = None
    call.error = error
    call.save()
    countdown = max(0.0, (at - timezone.now()).total_seconds())
    transaction.on_commit(lambda: enqueue(call.id, countdown=countdown))


@transaction.atomic
def _finish(call: ConnectorCall, status: str, *, response: Any, error: str) -> None:
    call.status = status
    call.response = response
    call.error = error
    call.finished_at = timezone.now()
    call.next_attempt_at = call.lease_expires_at = call.enqueued_at = None
    call.save()
    for listener in _finish_listeners:
        listener(call)


def _jsonable(body: Any) -> Any:
    return body if isinstance(body, dict | list | str | int | float | type(None)) else str(body)


def _dead_letter(call: ConnectorCall) -> None:
    """Tell subscribers through the outbox, in the same transaction as the failure."""
    from webhooks.outbound.publishing import publish

    log.warning(
        "connector call failed", call_id=str(call.id), connector=call.connector, error=call.error
    )
    publish(
        call.tenant,
        CALL_FAILED_EVENT,
        {
            "connector": call.connector,
            "capabilityId": call.capability_id,
            "key": call.key,
            "error": call.error,
            "callId": str(call.id),
            "connectionId": str(call.connection_id),
            "attempts": call.attempts,
        },
        idempotency_key=f"{CALL_FAILED_EVENT}:{call.id}:{call.attempts}",
    )
