"""Thread-safe in-memory CRM records with modified timestamps, and the deterministic demo people
they are seeded with. Each CRM provider renders a ``Record`` in its own shape; the store only
knows ids, fields (named as that provider names them) and when a record last changed."""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

SEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SEED_SPACING = timedelta(hours=1)  # record i was last modified at epoch + i hours + 30 minutes

_FIRST = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "John",
    "Ken",
    "Leslie",
    "Linus",
]
_FIRST += ["Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Tony", "Whitfield"]
_LAST = [
    "Lovelace",
    "Turing",
    "Liskov",
    "Shannon",
    "Ritchie",
    "Dijkstra",
    "Allen",
    "Hopper",
    "Lamarr",
    "McCarthy",
]
_LAST += [
    "Thompson",
    "Lamport",
    "Torvalds",
    "Hamilton",
    "Wirth",
    "Perlman",
    "Goldwasser",
    "Berners-Lee",
    "Hoare",
]
_LAST += ["Diffie"]
_COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Soylent",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
]


def demo_people(count: int) -> Iterator[dict[str, str]]:
    """The same ``count`` people on every run: names, email, phone, company, external id."""
    for i in range(count):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7 + i // 20) % len(_LAST)]
        yield {
            "external_id": f"SB-{i + 1:05d}",
            "first": first,
            "last": last,
            "email": f"{first}.{last}.{i + 1}@example.com".lower(),
            "phone": f"+1-555-{i + 1:04d}",
            "company": _COMPANIES[i % len(_COMPANIES)],
        }


def seed_times(i: int) -> tuple[datetime, datetime]:
    created = SEED_EPOCH + i * SEED_SPACING
    return created, created + timedelta(minutes=30)


class Clock:
    """Strictly increasing millisecond timestamps, so two changes in the same millisecond still
    order (a poll cursor on "modified > last seen" would otherwise miss one)."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._last = SEED_EPOCH
        self._lock = threading.Lock()

    def tick(self) -> datetime:
        with self._lock:
            now = self._now().astimezone(UTC)
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            self._last = max(now, self._last + timedelta(milliseconds=1))
            return self._last

    def observe(self, moment: datetime) -> None:
        """Stamp later than ``moment`` from now on: more than ~20,000 hourly seeds reach past
        today, and a write must still be the newest change, as it would be in a real CRM."""
        with self._lock:
            self._last = max(self._last, moment)


@dataclass
class Record:
    id: str
    fields: dict[str, Any]
    created: datetime
    modified: datetime
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


OrderKey = Callable[[Record], tuple[Any, ...]]


def by_modified(record: Record) -> tuple[Any, ...]:
    return (record.modified, record.id)


def truncated(moment: datetime, unit: timedelta) -> datetime:
    """``moment`` cut down to a whole ``unit`` (a millisecond, a second), as a provider shows it."""
    return moment - (moment - SEED_EPOCH) % unit


@dataclass(frozen=True)
class Bound:
    """One end of a range over the first part of a store's order key."""

    value: Any
    inclusive: bool = True


@dataclass(frozen=True)
class Selection:
    records: list[Record]
    total: int | None  # how many matched in all, when asked to count
    more: bool  # whether matches follow the returned ones


def _same(a: Any, b: Any) -> bool:
    # CRMs match external ids and emails without regard to case.
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return a == b


def _copy(record: Record) -> Record:
    # Stored records are never changed in place (a write stores a new one), so a copy of the
    # two dicts is enough to keep a reader from changing the store; deepcopy cost O(n) a poll.
    fields_ = {k: v if _scalar(v) else copy.deepcopy(v) for k, v in record.fields.items()}
    return replace(record, fields=fields_, extra=copy.deepcopy(record.extra))


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


class RecordStore:
    """One provider's contacts. Reads return copies, so a handler can't change the store by
    accident and a reader never sees a half-applied write.

    Besides the records by id (in creation order), the store keeps their keys sorted by
    ``order_key`` (the provider's own order for "changed since" queries: its visible modified
    time, then id), updated on every write, so a poll's page is a bisect and a slice rather than
    a sort of every record."""

    def __init__(
        self,
        clock: Clock,
        new_id: Callable[[int], str],
        touch_field: str,
        order_key: OrderKey = by_modified,
    ) -> None:
        self._clock = clock
        self._new_id = new_id
        self._touch_field = touch_field
        self._order_key = order_key
        self._records: dict[str, Record] = {}
        self._index: list[tuple[Any, ...]] = []  # (*order_key(record), record.id), sorted
        self._lock = threading.RLock()  # touch() updates while holding it
        self._touches = 0

    def __len__(self) -> int:
        return len(self._records)

    def load(self, rows: list[tuple[dict[str, Any], datetime, datetime]]) -> None:
        """Replace everything with these (fields, created, modified) rows."""
        with self._lock:
            self._records, self._touches = {}, 0
            for fields_, created, modified in rows:
                record_id = self._new_id(len(self._records) + 1)
                self._records[record_id] = Record(record_id, dict(fields_), created, modified)
            self._index = sorted(self._entry(r) for r in self._records.values())
            if self._records:
                self._clock.observe(max(r.modified for r in self._records.values()))

    def all(self) -> list[Record]:
        with self._lock:
            return [_copy(r) for r in self._records.values()]

    def get(self, record_id: str) -> Record | None:
        with self._lock:
            record = self._records.get(record_id)
            return _copy(record) if record else None

    def find(self, field_name: str, value: Any) -> list[Record]:
        with self._lock:
            return [
                _copy(r) for r in self._records.values() if _same(r.fields.get(field_name), value)
            ]

    def select(
        self,
        *,
        lower: Bound | None = None,
        upper: Bound | None = None,
        where: Callable[[Record], bool] | None = None,
        offset: int = 0,
        limit: int | None = None,
        count: bool = False,
    ) -> Selection:
        """The records whose first order-key part lies between the bounds and that pass
        ``where``, in the store's order, from ``offset`` on (at most ``limit``). Without
        ``where`` this costs a bisect and the slice; with it, a scan of the range that stops
        once the page (and one more) is found unless ``count`` asks for the total."""
        with self._lock:
            start, stop = self._span(lower, upper)
            if where is None:
                end = stop if limit is None else min(stop, start + offset + limit)
                page = [self._records[e[-1]] for e in self._index[start + offset : end]]
                return Selection([_copy(r) for r in page], stop - start, end < stop)
            return self._scan(start, stop, where, offset, limit, count)

    def _span(self, lower: Bound | None, upper: Bound | None) -> tuple[int, int]:
        def first(entry: tuple[Any, ...]) -> Any:
            return entry[0]

        start, stop = 0, len(self._index)
        if lower is not None:
            find = bisect.bisect_left if lower.inclusive else bisect.bisect_right
            start = find(self._index, lower.value, key=first)
        if upper is not None:
            find = bisect.bisect_right if upper.inclusive else bisect.bisect_left
            stop = find(self._index, upper.value, key=first)
        return start, max(start, stop)

    def _scan(self, start, stop, where, offset: int, limit: int | None, count: bool) -> Selection:
        end = None if limit is None else offset + limit
        matched, page, more = 0, [], False
        for entry in itertools.islice(self._index, start, stop):
            record = self._records[entry[-1]]
            if not where(record):
                continue
            if end is not None and matched >= end:
                more = True
                if not count:
                    break
            elif matched >= offset:
                page.append(_copy(record))
            matched += 1
        return Selection(page, matched if count else None, more)

    def create(self, fields_: dict[str, Any], record_id: str | None = None) -> Record:
        """A new record; ``record_id`` where the client chose it (a Dynamics upsert)."""
        with self._lock:
            now = self._clock.tick()
            record_id = record_id or self._new_id(len(self._records) + 1)
            self._store(Record(record_id, dict(fields_), now, now))
            return _copy(self._records[record_id])

    def update(self, record_id: str, fields_: dict[str, Any]) -> Record:
        """Apply the fields and stamp the change; KeyError for an unknown id."""
        with self._lock:
            record = self._records[record_id]
            changed = replace(
                record,
                fields={**record.fields, **fields_},
                modified=self._clock.tick(),
                version=record.version + 1,
            )
            self._store(changed)
            return _copy(changed)

    def touch(self, count: int = 1) -> list[str]:
        """Change the ``count`` least recently modified records (a new value in the touch
        field) so the next poll sees them; returns their ids, oldest change first."""
        with self._lock:
            # nsmallest is sorted()[:count] (ties in creation order) without sorting everything.
            oldest = heapq.nsmallest(count, self._records.values(), key=lambda r: r.modified)
            for record in oldest:
                self._touches += 1
                self.update(record.id, {self._touch_field: f"touched {self._touches}"})
            return [record.id for record in oldest]

    def _entry(self, record: Record) -> tuple[Any, ...]:
        return (*self._order_key(record), record.id)

    def _store(self, record: Record) -> None:
        """Put ``record`` in place of the one with its id (if any), index included."""
        old = self._records.get(record.id)
        if old is not None:
            entry = self._entry(old)
            del self._index[bisect.bisect_left(self._index, entry)]
        self._records[record.id] = record
        bisect.insort(self._index, self._entry(record))
