"""The worker exit found under load: Celery's cleanup after losing Redis (``collect()`` then
``close()`` of the broken connection) raised AttributeError when the task channel held
unacknowledged messages and its first close stopped at the connection error of a pending
BRPOP read, while closing the transport's channels stopped at a later channel's error (the
gossip channel deleting its queue). Reproduced here on a real Redis, killed, with those two
failing as they do in the worker's event loop."""

from __future__ import annotations

import contextlib

import pytest
import redis
from kombu import Connection, Queue
from kombu.common import ignore_errors

from core.worker import close_task_channel
from tests.servers import redis_server


def _lose_redis_mid_brpop(server) -> Connection:
    connection = Connection(server.url)
    queue = Queue("tasks")
    with connection.Producer() as producer:
        for n in range(2):
            producer.publish({"n": n}, routing_key="tasks", declare=[queue])
    received = []
    consumer = connection.Consumer([queue], callbacks=[lambda body, message: received.append(1)])
    consumer.qos(prefetch_count=2)
    consumer.consume()
    while len(received) < 2:
        connection.drain_events(timeout=5)  # two messages delivered, not acknowledged
    gossip = connection.channel()  # opened after the task channel, so closed before it
    server.stop()
    channel = connection.default_channel

    def pending_brpop_read(**options):
        channel._in_poll = None  # as kombu's read does in its finally
        raise redis.ConnectionError("Connection closed by server.")

    channel._in_poll = True
    channel._brpop_read = pending_brpop_read

    def gossip_close():
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1. Connection refused.")

    gossip.close = gossip_close
    return connection


def _celery_cleanup(connection: Connection) -> None:
    """What Consumer.on_connection_error_after_connected does with the broken connection."""
    with contextlib.suppress(Exception):
        connection.collect(socket_timeout=1)
    ignore_errors(connection, connection.close)


def test_kombus_cleanup_alone_raises_the_error_that_exited_the_worker():
    """If this starts failing, kombu fixed it: core.worker.close_task_channel can go."""
    with redis_server() as server:
        connection = _lose_redis_mid_brpop(server)
        with pytest.raises(AttributeError, match="hostname"):
            _celery_cleanup(connection)


def test_closing_the_task_channel_first_lets_the_cleanup_finish():
    with redis_server() as server:
        connection = _lose_redis_mid_brpop(server)
        close_task_channel(connection)
        _celery_cleanup(connection)  # raises nothing
        assert connection.connected is False
