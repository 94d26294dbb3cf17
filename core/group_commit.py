"""Group commit: the concurrent callers of one process share one write.

A caller hands in its item and waits. If no write is under way it leads one, for its own item
and every item queued by then; callers that arrive meanwhile queue for the next write, which
one of them leads as soon as the current one ends. Nobody waits on a timer: a write is as big
as the concurrency behind it, and a lone caller writes alone at once.

Every caller still returns only after the write holding its item has finished (for a
database, committed). A failed write of several items is retried item by item, so one bad
item fails its own caller and no other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Waiting(Generic[Item, Result]):
    item: Item
    done: bool = False
    result: Result | None = None
    error: BaseException | None = field(default=None, repr=False)


class WriteInterrupted(Exception):
    """The caller leading the write was stopped (a worker timeout, say) before it ended."""


class GroupCommit(Generic[Item, Result]):
    """``write(items)`` returns one result per item, in order, or raises."""

    def __init__(
        self,
        write: Callable[[list[Item]], Sequence[Result]],
        *,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._write = write
        self._on_batch = on_batch
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)
        self._queue: list[_Waiting[Item, Result]] = []
        self._writing = False

    def submit(self, item: Item) -> Result:
        waiting: _Waiting[Item, Result] = _Waiting(item)
        with self._lock:
            self._queue.append(waiting)
            while not waiting.done and self._writing:
                self._turn.wait()
            if waiting.done:
                return _outcome(waiting)
            self._writing = True
            batch, self._queue = self._queue, []
        try:
            self._write_batch(batch)
        finally:
            with self._lock:
                for unsettled in (w for w in batch if not w.done):  # the leader was interrupted
                    _settle(unsettled, error=WriteInterrupted("the shared write was interrupted"))
                self._writing = False
                self._turn.notify_all()
        return _outcome(waiting)

    def _write_batch(self, batch: list[_Waiting[Item, Result]]) -> None:
        if self._on_batch is not None:
            self._on_batch(len(batch))
        try:
            results = self._write([w.item for w in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            for waiting in batch:  # nothing of the failed write stands: each item alone
                self._write_alone(waiting)
            return
        for waiting, result in zip(batch, results, strict=True):
            _settle(waiting, result=result)

    def _write_alone(self, waiting: _Waiting[Item, Result]) -> None:
        try:
            (result,) = self._write([waiting.item])
        except Exception as exc:
            _settle(waiting, error=exc)
        else:
            _settle(waiting, result=result)


def _settle(
    waiting: _Waiting, *, result: object = None, error: BaseException | None = None
) -> None:
    waiting.result, waiting.error, waiting.done = result, error, True


def _outcome(waiting: _Waiting[Item, Result]) -> Result:
    if waiting.error is not None:
        raise waiting.error
    return waiting.result  # type: ignore[return-value]
