"""How long a rate limit says to wait, from each header a CRM may send."""

from __future__ import annotations

import email.utils
import time

import pytest

from crm_sync.remote.base import retry_after


def test_retry_after_reads_an_http_date():
    in_30s = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= retry_after({"Retry-After": in_30s}) <= 30


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "2", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 2.0),
        ({"X-HubSpot-RateLimit-Interval-Milliseconds": "1500"}, 1.5),
        ({"Retry-After": "0"}, 1.0),  # must be > 0: the default
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 1.0),  # already past
        ({"Retry-After": "soon"}, 1.0),
        ({"Retry-After": "inf"}, 1.0),
        ({}, 1.0),
    ],
)
def test_retry_after_falls_back_in_order(headers, wait):
    assert retry_after(headers) == wait
