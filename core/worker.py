"""How a Celery worker heals itself and says it is alive (wired in ``config.celery``).

- ``Consumer`` survives losing Redis with messages unacknowledged. Celery's cleanup first
  ``collect()``s the broken connection, which detaches its transport from the connection
  details, then ``close()``s it. When the first close of the task channel stopped early (a
  connection error from the BRPOP read still pending on it, swallowed), the second close runs
  the channel's restore of unacknowledged messages, which asks the detached transport for the
  broker's address: ``AttributeError: 'NoneType' object has no attribute 'hostname'``, not a
  connection error, so the worker exits for good ("Unrecoverable error"). Closing the task
  channel here first, while the transport still knows the broker, finishes that close before
  Celery's cleanup starts.
- ``Consumer`` also reconnects to the broker quickly: Celery's consumer retries with kombu's
  default backoff (2 s more per attempt, up to 30 s), so after a 30 s Redis outage a worker
  could sit idle for up to half a minute more. Here the pause between attempts stays short.
- ``Heartbeat`` refreshes a ``WorkerHeartbeat`` row every few seconds while the consumer is
  connected (a consumer bootstep: Celery stops it when the broker connection is lost and
  starts it again once reconnected), so ``/health`` tells a consuming worker from a dead or
  disconnected one.
"""

from __future__ import annotations

import functools
import os
import threading

import structlog
from celery import bootsteps
from celery.worker.consumer import Consumer as CeleryConsumer
from django.conf import settings
from django.db import close_old_connections, connection

log = structlog.get_logger(__name__)


class Consumer(CeleryConsumer):
    def on_connection_error_after_connected(self, exc):
        close_task_channel(self.connection)
        super().on_connection_error_after_connected(exc)

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=0,
            interval_step=settings.BROKER_RECONNECT_MAX_INTERVAL_SECONDS / 4,
            interval_max=settings.BROKER_RECONNECT_MAX_INTERVAL_SECONDS,
        )
        return super().ensure_connected(conn)


def close_task_channel(connection) -> None:
    """Close a broken connection's default channel (the one tasks are consumed on) while its
    transport can still build a Redis client: a second try when the first stops at a
    connection error before the channel counts as closed. Unacknowledged messages it can't
    restore stay in Redis's unacked set (restored after the visibility timeout) and the
    database re-creates the work in any case."""
    channel = getattr(connection, "_default_channel", None) if connection else None
    errors = connection.connection_errors + connection.channel_errors if connection else ()
    for _attempt in range(2):
        if channel is None or getattr(channel, "closed", True):
            return
        try:
            channel.close()
        except errors as exc:
            log.info("broker_channel_close_failed", error=repr(exc)[:200])


class Heartbeat(bootsteps.StartStopStep):
    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c, **kwargs) -> None:
        super().__init__(c, **kwargs)
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, c) -> None:
        self.stop(c)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(c.hostname, self._stop), name="worker-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self, c) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=settings.WORKER_HEARTBEAT_INTERVAL_SECONDS + 5)
        self._stop = self._thread = None

    def shutdown(self, c) -> None:
        self.stop(c)
        self._quietly(_forget, c.hostname)

    def _run(self, hostname: str, stop: threading.Event) -> None:
        while not stop.is_set():
            self._quietly(_record, hostname)
            stop.wait(settings.WORKER_HEARTBEAT_INTERVAL_SECONDS)
        connection.close()

    @staticmethod
    def _quietly(action, hostname: str) -> None:
        # A database outage must not stop the thread: the heartbeat resumes with the database.
        try:
            close_old_connections()
            action(hostname)
        except Exception as exc:  # any driver error: try again next beat
            log.warning("worker_heartbeat_failed", hostname=hostname, error=repr(exc)[:200])
            connection.close()


def _record(hostname: str) -> None:
    from core.heartbeats import record_heartbeat

    record_heartbeat(hostname=hostname, pid=os.getpid())


def _forget(hostname: str) -> None:
    from core.heartbeats import forget_heartbeat

    forget_heartbeat(hostname=hostname)
