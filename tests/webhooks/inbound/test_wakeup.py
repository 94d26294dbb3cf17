"""Waking the processor: after commit, off the request's thread, one message a second for
all processes together."""

from __future__ import annotations

import time

import pytest

from core.shared_state import clear_flag
from webhooks.inbound import wakeup
from webhooks.inbound.tasks import process_inbound_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    messages: list[float] = []
    monkeypatch.setattr(process_inbound_events, "delay", lambda: messages.append(time.time()))
    clear_flag(wakeup.WAKEUP_KEY)
    yield messages
    clear_flag(wakeup.WAKEUP_KEY)


def test_one_message_a_second_until_processing_ran(sent):
    assert wakeup.send_wakeup() is True
    assert wakeup.send_wakeup() is False  # another process (or request) already sent one
    wakeup.processing_ran()
    assert wakeup.send_wakeup() is True
    assert len(sent) == 2


def test_a_wake_up_waits_for_the_commit_and_is_sent_by_the_thread(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        wakeup.wake_processor()
        assert sent == []  # nothing before the commit
    assert len(callbacks) == 1
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sent) == 1
