"""Everything one sandbox holds: seeded CRM records, what the messaging providers received,
query cursors, fault plans and per-provider request counters. The counters are how the hub's
tests prove "a repeated idempotency key reached the provider once"."""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.sandbox.faults import Faults
from connectors.sandbox.http import Request
from connectors.sandbox.records import (
    Clock,
    Record,
    RecordStore,
    demo_people,
    seed_times,
    truncated,
)

PROVIDERS = ("hubspot", "salesforce", "dynamics", "slack", "whatsapp", "zapier")
CRM_PROVIDERS = ("hubspot", "salesforce", "dynamics")
DEFAULT_TOKEN = "sandbox-token"  # accepted by every provider, beside each one's token prefixes
IDEMPOTENCY_BODY_FIELDS = ("idempotency_key", "idempotencyKey")
_DYNAMICS_NAMESPACE = uuid.UUID("5b9f4c8e-2f0a-4c55-9d38-6d1d3c0a7e21")


# Which demo-person value each CRM keeps in which of its fields.
SEED_FIELDS = {
    "hubspot": {
        "firstname": "first",
        "lastname": "last",
        "email": "email",
        "phone": "phone",
        "company": "company",
    },
    "salesforce": {
        "FirstName": "first",
        "LastName": "last",
        "Email": "email",
        "Phone": "phone",
        "External_Id__c": "external_id",
    },
    "dynamics": {
        "firstname": "first",
        "lastname": "last",
        "emailaddress1": "email",
        "telephone1": "phone",
    },
}


MILLISECOND, SECOND = timedelta(milliseconds=1), timedelta(seconds=1)


# Each CRM's order for "changed since" queries: its modified time as it shows it (HubSpot and
# Salesforce to the millisecond, Dynamics to the second), then its id as it sorts ids.
def hubspot_order(record: Record) -> tuple[Any, ...]:
    return (truncated(record.modified, MILLISECOND), int(record.id))


def salesforce_order(record: Record) -> tuple[Any, ...]:
    return (truncated(record.modified, MILLISECOND), record.id)


def dynamics_order(record: Record) -> tuple[Any, ...]:
    return (truncated(record.modified, SECOND), record.id)


@dataclass(frozen=True)
class RecordedRequest:
    provider: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class SandboxState:
    """Thread-safe; one per running sandbox. ``reset()`` brings it back to its seeded start."""

    def __init__(self, seed_count: int = 250, now: Callable[[], datetime] | None = None) -> None:
        self.seed_count = seed_count
        self.clock = Clock(now)
        self.faults = Faults(PROVIDERS)
        self.hubspot = RecordStore(
            self.clock, lambda n: str(1000 + n), "jobtitle", order_key=hubspot_order
        )
        self.salesforce = RecordStore(
            self.clock, lambda n: f"003SB{n:010d}AAA", "Title", order_key=salesforce_order
        )
        self.dynamics = RecordStore(
            self.clock,
            lambda n: str(uuid.uuid5(_DYNAMICS_NAMESPACE, str(n))),
            "jobtitle",
            order_key=dynamics_order,
        )
        # Tunables a test may change: tokens accepted exactly, the Salesforce default batch.
        self.tokens: dict[str, set[str]] = {name: {DEFAULT_TOKEN} for name in PROVIDERS}
        self.salesforce_batch_size = 200
        self.slack_channels = {
            "C0SANDBOX01": "general",
            "C0SANDBOX02": "random",
            "C0SANDBOX03": "alerts",
            "C0SANDBOX04": "ops",
        }
        self._lock = threading.Lock()
        self.reset()

    def reset(self, seed_count: int | None = None) -> None:
        """Reseed the CRMs (with ``seed_count`` contacts each from now on, when given) and forget
        traffic, received messages, cursors and faults."""
        if seed_count is not None:
            if not isinstance(seed_count, int) or isinstance(seed_count, bool) or seed_count < 0:
                raise ValueError("seed_count must be a whole number >= 0")
            self.seed_count = seed_count
        people = list(demo_people(self.seed_count))
        for provider, fields in SEED_FIELDS.items():
            rows = [
                ({f: p[key] for f, key in fields.items()}, *seed_times(i))
                for i, p in enumerate(people)
            ]
            self.store(provider).load(rows)
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._statuses: dict[str, Counter[str]] = defaultdict(Counter)
            self._endpoints: dict[str, Counter[str]] = defaultdict(Counter)
            self._keys: dict[str, Counter[str]] = defaultdict(Counter)
            self._recent: deque[RecordedRequest] = deque(maxlen=1000)
            self._received: dict[str, list[dict[str, Any]]] = defaultdict(list)
            self._cursors: OrderedDict[str, Sequence[dict[str, Any]]] = OrderedDict()
        self.faults.clear()

    def store(self, provider: str) -> RecordStore:
        if provider not in CRM_PROVIDERS:
            raise ValueError(f"{provider!r} has no records; CRMs: {', '.join(CRM_PROVIDERS)}")
        return getattr(self, provider)

    def touch(self, provider: str, count: int = 1) -> list[str]:
        """Modify ``count`` records of a CRM (the least recently modified) for polling demos."""
        return self.store(provider).touch(count)

    def accepts_token(self, provider: str, token: str | None, prefixes: tuple[str, ...]) -> bool:
        return bool(token) and (token in self.tokens[provider] or token.startswith(prefixes))

    # Traffic ---------------------------------------------------------------------------

    def count_request(self, provider: str, endpoint: str, request: Request) -> None:
        key = request.header("idempotency-key") or _body_key(request)
        recorded = RecordedRequest(
            provider,
            request.method,
            request.path,
            request.query_string,
            dict(request.headers),
            request.body,
        )
        with self._lock:
            self._requests[provider] += 1
            self._endpoints[provider][endpoint] += 1
            if key:
                self._keys[provider][key] += 1
            self._recent.append(recorded)

    def count_status(self, provider: str, status: int) -> None:
        with self._lock:
            self._statuses[provider][str(status)] += 1

    def request_count(self, provider: str, endpoint: str | None = None) -> int:
        with self._lock:
            if endpoint:
                return self._endpoints[provider][endpoint]
            return self._requests[provider]

    def idempotency_count(self, provider: str, key: str) -> int:
        with self._lock:
            return self._keys[provider][key]

    def requests(self, provider: str | None = None) -> list[RecordedRequest]:
        """The last 1,000 requests (oldest first), of one provider or all."""
        with self._lock:
            return [r for r in self._recent if provider in (None, r.provider)]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": {name: self._requests[name] for name in PROVIDERS},
                "statuses": {k: dict(v) for k, v in self._statuses.items() if v},
                "endpoints": {k: dict(v) for k, v in self._endpoints.items() if v},
                "idempotency_keys": {k: dict(v) for k, v in self._keys.items() if v},
                "received": {k: len(v) for k, v in self._received.items()},
                "records": {name: len(self.store(name)) for name in CRM_PROVIDERS},
            }

    # What the messaging providers received, and query cursors ----------------------------

    def receive(self, provider: str, item: dict[str, Any]) -> None:
        with self._lock:
            self._received[provider].append(item)

    def received(self, provider: str) -> list[dict[str, Any]]:
        """Slack messages posted, WhatsApp messages sent, Zapier hook payloads caught."""
        with self._lock:
            return list(self._received.get(provider, []))

    def save_cursor(self, rows: Sequence[dict[str, Any]], keep: int = 100) -> str:
        """Keep a query's result rows under a new locator (the newest ``keep`` survive)."""
        locator = "01g" + secrets.token_hex(8)[:15].upper()
        with self._lock:
            self._cursors[locator] = rows
            while len(self._cursors) > keep:
                self._cursors.popitem(last=False)
        return locator

    def cursor(self, locator: str) -> Sequence[dict[str, Any]] | None:
        with self._lock:
            return self._cursors.get(locator)


def _body_key(request: Request) -> str | None:
    fields = request.body_fields()
    for name in IDEMPOTENCY_BODY_FIELDS:
        if isinstance(fields.get(name), str | int) and fields[name] != "":
            return str(fields[name])
    return None
