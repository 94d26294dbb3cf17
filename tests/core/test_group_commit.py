"""Group commit: callers arriving during a write share the next one; every caller gets its own
result or its own error, and none returns before the write holding its item has ended."""

from __future__ import annotations

import threading

import pytest

from core.group_commit import GroupCommit
from tests.waiting import wait_until


class GatedWriter:
    """A write that records its batches and, while the gate is shut, blocks its first call."""

    def __init__(self, *, fail_on=frozenset()) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.gate.wait(10)
        bad = self.fail_on & set(items)
        if bad:
            raise ValueError(f"refused {sorted(bad)}")
        return [item.upper() for item in items]


def submit_in_threads(group: GroupCommit, items: list[str]) -> tuple[dict, list[threading.Thread]]:
    outcomes: dict[str, object] = {}

    def run(item: str) -> None:
        try:
            outcomes[item] = group.submit(item)
        except Exception as exc:  # the outcome under test
            outcomes[item] = exc

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return outcomes, threads


def queued(group: GroupCommit) -> int:
    with group._lock:
        return len(group._queue)


def test_a_lone_caller_writes_alone_at_once():
    writer = GatedWriter()
    writer.gate.set()
    group = GroupCommit(writer)
    assert group.submit("a") == "A"
    assert writer.batches == [["a"]]


def test_callers_arriving_during_a_write_share_the_next_one():
    writer = GatedWriter()
    sizes: list[int] = []
    group = GroupCommit(writer, on_batch=sizes.append)
    first, first_threads = submit_in_threads(group, ["a"])
    assert writer.entered.wait(5)
    rest, threads = submit_in_threads(group, ["b", "c", "d"])
    wait_until(lambda: queued(group) == 3, timeout=5)
    assert first == {} and rest == {}  # nobody returns before its write ends
    writer.gate.set()
    for thread in first_threads + threads:
        thread.join(5)
    assert first == {"a": "A"}
    assert rest == {"b": "B", "c": "C", "d": "D"}
    assert writer.batches[0] == ["a"] and sorted(writer.batches[1]) == ["b", "c", "d"]
    assert sizes == [1, 3]


def test_a_failed_shared_write_is_retried_item_by_item():
    writer = GatedWriter(fail_on=frozenset({"bad"}))
    group = GroupCommit(writer)
    first, first_threads = submit_in_threads(group, ["a"])
    assert writer.entered.wait(5)
    rest, threads = submit_in_threads(group, ["b", "bad", "c"])
    wait_until(lambda: queued(group) == 3, timeout=5)
    writer.gate.set()
    for thread in first_threads + threads:
        thread.join(5)
    assert first == {"a": "A"}
    assert rest["b"] == "B" and rest["c"] == "C"
    assert isinstance(rest["bad"], ValueError) and "bad" in str(rest["bad"])
    # the shared write of three, then each alone
    assert sorted(writer.batches[1]) == ["b", "bad", "c"]
    assert sorted(map(tuple, writer.batches[2:])) == [("b",), ("bad",), ("c",)]


def test_a_lone_failure_reaches_its_caller():
    group = GroupCommit(lambda items: (_ for _ in ()).throw(ValueError("database said no")))
    with pytest.raises(ValueError, match="database said no"):
        group.submit("a")


def test_when_the_leading_caller_is_interrupted_its_batch_fails_and_the_next_write_runs():
    calls: list[list[str]] = []
    entered, gate = threading.Event(), threading.Event()

    def write(items: list[str]) -> list[str]:
        calls.append(list(items))
        if len(calls) == 2:  # whoever leads the second write is stopped in the middle of it
            raise KeyboardInterrupt
        if len(calls) == 1:
            entered.set()
            gate.wait(10)
        return items

    group = GroupCommit(write)
    outcomes: dict[str, BaseException | str] = {}

    def run(item: str) -> None:
        try:
            outcomes[item] = group.submit(item)
        except BaseException as exc:  # the interruption under test
            outcomes[item] = exc

    threads = [threading.Thread(target=run, args=("a",))]
    threads[0].start()
    assert entered.wait(5)
    for item in ("x", "y"):
        threads.append(threading.Thread(target=run, args=(item,)))
        threads[-1].start()
    wait_until(lambda: queued(group) == 2, timeout=5)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert outcomes["a"] == "a"
    kinds = sorted(type(outcomes[item]).__name__ for item in ("x", "y"))
    assert kinds == ["KeyboardInterrupt", "WriteInterrupted"]
    assert group.submit("later") == "later"  # the group is not left stuck
