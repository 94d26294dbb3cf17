from __future__ import annotations

import pytest

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
