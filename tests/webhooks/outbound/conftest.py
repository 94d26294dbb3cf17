from __future__ import annotations

import pytest
import redis
from django.conf import settings

from tests.factories import make_subscription
from tests.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def subscribed(tenant, receiver):
    """A subscription of ``tenant`` to every event, pointing at ``receiver``."""
    subscription, _secret = make_subscription(tenant=tenant, url=receiver.url)
    return subscription


@pytest.fixture
def broker():
    """The test Redis (the Celery broker), emptied before and after."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
