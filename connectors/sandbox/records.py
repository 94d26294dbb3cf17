"""Thread-safe in-memory CRM records with modified timestamps, and the deterministic demo people
they are seeded with. Each CRM provider renders a ``Record`` in its own shape; the store only
knows ids, fields (named as that provider names them) and when a record last changed."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass
class Record:
    id: str
    fields: dict[str, Any]
    created: datetime
    modified: datetime
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def _same(a: Any, b: Any) -> bool:
    # CRMs match external ids and emails without regard to case.
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return a == b


class RecordStore:
    """One provider's contacts. Reads return copies, so a handler can't change the store by
    accident and a reader never sees a half-applied write."""

    def __init__(self, clock: Clock, new_id: Callable[[int], str], touch_field: str) -> None:
        self._clock = clock
        self._new_id = new_id
        self._touch_field = touch_field
        self._records: dict[str, Record] = {}
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

    def all(self) -> list[Record]:
        with self._lock:
            return [copy.deepcopy(r) for r in self._records.values()]

    def get(self, record_id: str) -> Record | None:
        with self._lock:
            record = self._records.get(record_id)
            return copy.deepcopy(record) if record else None

    def find(self, field_name: str, value: Any) -> list[Record]:
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._records.values()
                if _same(r.fields.get(field_name), value)
            ]

    def create(self, fields_: dict[str, Any], record_id: str | None = None) -> Record:
        """A new record; ``record_id`` where the client chose it (a Dynamics upsert)."""
        with self._lock:
            now = self._clock.tick()
            record_id = record_id or self._new_id(len(self._records) + 1)
            record = Record(record_id, dict(fields_), now, now)
            self._records[record.id] = record
            return copy.deepcopy(record)

    def update(self, record_id: str, fields_: dict[str, Any]) -> Record:
        """Apply the fields and stamp the change; KeyError for an unknown id."""
        with self._lock:
            record = self._records[record_id]
            record.fields.update(fields_)
            record.modified = self._clock.tick()
            record.version += 1
            return copy.deepcopy(record)

    def touch(self, count: int = 1) -> list[str]:
        """Change the ``count`` least recently modified records (a new value in the touch
        field) so the next poll sees them; returns their ids, oldest change first."""
        with self._lock:
            oldest = sorted(self._records.values(), key=lambda r: r.modified)[:count]
            for record in oldest:
                self._touches += 1
                self.update(record.id, {self._touch_field: f"touched {self._touches}"})
            return [record.id for record in oldest]
