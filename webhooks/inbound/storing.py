"""Storing a request's events: one ``INSERT ... ON CONFLICT DO NOTHING``, shared by the
concurrent requests of a process (group commit, ``core/group_commit.py``).

Under load most of an insert's cost is the statement and its commit, not the row: a process's
threads that store at the same time send one multi-row statement and commit once. Each request
still answers only after the commit that holds its rows. A request inside a transaction (a
test's, or a caller's own) inserts on its own connection, in that transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from functools import cache, lru_cache
from weakref import WeakKeyDictionary

import orjson
import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from prometheus_client import Histogram
from psycopg.types.json import Jsonb

from connectors.providers.inbound import ALWAYS_SECRET_HEADERS, InboundRequest, ParsedEvent
from core.group_commit import GroupCommit
from core.metrics import PREFIX
from webhooks.inbound.models import InboundEvent, InboundStatus
from webhooks.inbound.registry import INBOUND_PROVIDERS, ActiveRegistration

Row = tuple  # one event's column values, in SENT_FIELDS order
REQUESTS_PER_COMMIT = Histogram(
    f"{PREFIX}_inbound_requests_per_commit",
    "Webhook requests whose events one shared INSERT and commit stored (group commit).",
    buckets=(1, 2, 4, 8, 16, 32),
)


def store_events(
    registration: ActiveRegistration, request: InboundRequest, events: list[ParsedEvent]
) -> int:
    """Insert the events that are new (unique per registration and dedupe key); return how
    many were."""
    if not events:
        return 0
    headers = stored_headers(registration, request)
    nul_free = not may_hold_a_nul(request.body)
    rows = [
        _row(registration, e, request=request, headers=headers, nul_free=nul_free) for e in events
    ]
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the thread-local proxy per value
    if db.vendor != "postgresql":
        return _insert_portable(db, rows)
    values = [_postgres_row(row) for row in rows]
    if settings.INBOUND_GROUP_COMMIT and db.get_autocommit() and not db.in_atomic_block:
        return _committer().submit(values)
    return insert_batches(db, [values])[0]


def stored_headers(registration: ActiveRegistration, request: InboundRequest) -> dict[str, str]:
    secret = _secret_headers(registration.provider, registration.config.get("header_name"))
    return {k: v for k, v in request.headers.items() if k not in secret}


@lru_cache(maxsize=256)
def _secret_headers(provider: str, configured: str | None) -> frozenset[str]:
    """Never stored: credentials, the provider's own secret headers, a configured one."""
    module = INBOUND_PROVIDERS[provider]
    secret = ALWAYS_SECRET_HEADERS | getattr(module, "SECRET_HEADERS", frozenset())
    return secret | {configured.lower()} if configured else secret


def insert_batches(db: BaseDatabaseWrapper, batches: Sequence[list[Row]]) -> list[int]:
    """One statement for the rows of every batch; how many of each batch's rows were new.

    A key repeated within the statement is sent once, for the first row holding it: a later
    one is a duplicate already, and each stored key is then credited to one row alone."""
    first: dict[tuple, Row] = {}
    for batch in batches:
        for row in batch:
            first.setdefault(_key(row), row)
    rows = list(first.values())
    new = set(_execute_insert(db, _insert_sql(len(rows)), rows))
    return [sum(first[_key(r)] is r and _key(r) in new for r in batch) for batch in batches]


def _key(row: Row) -> tuple:
    return row[_REGISTRATION], row[_DEDUPE_KEY]  # what RETURNING gives back for a new row


@cache
def _committer() -> GroupCommit[list[Row], int]:
    # The write runs in the leading request's thread, on that thread's own connection.
    return GroupCommit(
        lambda batches: insert_batches(connections[DEFAULT_DB_ALIAS], batches),
        on_batch=REQUESTS_PER_COMMIT.observe,
    )


def _execute_insert(db: BaseDatabaseWrapper, sql: str, rows: list[Row]) -> list[tuple]:
    # Django's psycopg cursor binds client-side: it quotes every value into the SQL text (the
    # body twice, hex-escaped once). A server-side binding cursor sends the values apart, the
    # body as binary; and the statement is prepared (unless DB_PREPARED_STATEMENTS is off),
    # so PostgreSQL parses and plans it once per connection and row count, not per request.
    db.close_if_health_check_failed()  # what Django's cursor() does first
    db.ensure_connection()
    with db.wrap_database_errors:
        cursor = _cursor_of(db.connection)
        cursor.execute(sql, [value for row in rows for value in row], prepare=True)
        return cursor.fetchall()


_cursors: WeakKeyDictionary[psycopg.Connection, psycopg.Cursor] = WeakKeyDictionary()


def _cursor_of(connection: psycopg.Connection) -> psycopg.Cursor:
    """One server-side binding cursor per connection, kept while the connection lives."""
    cursor = _cursors.get(connection)
    if cursor is None or cursor.closed:
        cursor = _cursors[connection] = psycopg.Cursor(connection)
    return cursor


@cache
def _insert_sql(row_count: int) -> str:
    """PostgreSQL fills the id and the time it stored the event itself."""
    placeholders = ", ".join(["%s"] * len(SENT_FIELDS))
    return _insert_statement(
        f"gen_random_uuid(), {placeholders}, now()",
        row_count=row_count,
        returning="registration_id, dedupe_key",
    )


def _insert_portable(db: BaseDatabaseWrapper, rows: list[dict]) -> int:
    """The embedded default's (SQLite) insert: the fields' own adaptation, one statement."""
    fields, _columns = _insert_columns()
    meta, now = InboundEvent._meta, timezone.now()
    params = []
    for row in rows:
        params.append(meta.get_field("id").get_db_prep_save(uuid.uuid4(), db))
        params += [f.get_db_prep_save(row[f.name], db) for f in fields]
        params.append(meta.get_field("received_at").get_db_prep_save(now, db))
    placeholders = ", ".join(["%s"] * (len(fields) + 2))
    sql = _insert_statement(placeholders, row_count=len(rows), returning="id")
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def _insert_statement(row_values: str, *, row_count: int, returning: str) -> str:
    """The receive insert on either backend. ``row_values`` is one row's values for the id,
    the SENT_FIELDS and the time stored; every new event starts pending and unattempted."""
    _fields, columns = _insert_columns()
    row = f"({row_values}, '{InboundStatus.PENDING}', 0, '')"
    return (
        f"INSERT INTO {InboundEvent._meta.db_table} (id, {columns}, received_at, status, "
        f"attempts, error) VALUES {', '.join([row] * row_count)} "
        f"ON CONFLICT (registration_id, dedupe_key) DO NOTHING RETURNING {returning}"
    )


def _postgres_row(row: dict) -> Row:
    """What psycopg is sent for a row: it adapts uuids, text, datetimes and bytes itself (the
    fields' generic get_db_prep_save costs more than the insert's own Python)."""
    values = [row[name] for name in SENT_FIELDS]
    if values[_PAYLOAD] is not None:
        values[_PAYLOAD] = Jsonb(values[_PAYLOAD])
    values[_HEADERS] = Jsonb(row["headers"], dumps=orjson.dumps)  # names and values: str
    return tuple(values)


@cache
def _insert_columns() -> tuple[list, str]:
    fields = [InboundEvent._meta.get_field(name) for name in SENT_FIELDS]
    return fields, ", ".join(connection.ops.quote_name(f.column) for f in fields)


# What a request sends for each event; the rest is the same for every new event.
SENT_FIELDS = (
    "tenant", "registration", "provider", "event_type", "dedupe_key", "object_type", "object_id",
    "occurred_at", "stored_payload", "payload_in_body", "raw_body", "headers",
)  # fmt: skip
_REGISTRATION, _DEDUPE_KEY, _PAYLOAD, _HEADERS = (
    SENT_FIELDS.index(name) for name in ("registration", "dedupe_key", "stored_payload", "headers")
)


def _row(registration, event: ParsedEvent, *, request, headers, nul_free: bool) -> dict:
    payload = event.payload if nul_free else _storable(event.payload)
    # The body's whole JSON is kept by the raw body alone (InboundEvent.payload reads it back).
    in_body = payload is not None and payload is getattr(request, "parsed_json", None)
    return {
        "tenant": registration.tenant_id,
        "registration": registration.id,
        "provider": registration.provider,
        "event_type": event.event_type[:120],
        "dedupe_key": stored_dedupe_key(event.dedupe_key),
        "object_type": event.object_type[:80],
        "object_id": str(event.object_id)[:255],
        "occurred_at": event.occurred_at,
        "stored_payload": None if in_body else payload,
        "payload_in_body": in_body,
        "raw_body": request.body,
        "headers": headers,
    }


DIGEST_PREFIX = "sha256:"


def stored_dedupe_key(key: str) -> str:
    """The key as stored: whole when it fits the column (255), else ``sha256:<hex>`` of the whole
    key, so keys that differ anywhere stay apart (cut to 255, two ids alike in their first 255
    characters were one event). A key that itself starts ``sha256:`` is digested too, so that
    no stored key is both a provider's key and another key's digest."""
    if len(key) <= 255 and not key.startswith(DIGEST_PREFIX):
        return key
    return DIGEST_PREFIX + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def may_hold_a_nul(body: bytes) -> bool:
    """Whether a payload read from this body may hold a NUL: raw, JSON-escaped or
    form-encoded. Each byte looked for first is found by ``memchr``; the slower searches for
    the longer sequences run only in a body that holds the byte they start with."""
    return (
        b"\x00" in body
        or (b"\\" in body and b"\\u0000" in body)
        or (b"%" in body and b"%00" in body)
    )


def _storable(payload):
    """PostgreSQL's jsonb refuses NUL, and so would the outbox's: such a payload is kept only
    as the raw body, and the event's payload says so."""
    if "\\u0000" in json.dumps(payload, default=str):
        return {"unstorable_json": True}
    return payload
