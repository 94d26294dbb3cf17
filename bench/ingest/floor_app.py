"""The floor for ``make bench-ingest``: bare WSGI apps that do only what the hub's receive path
must do at least — read the body and insert one row into the same PostgreSQL.

``application`` makes the hub's own insert: the same statement into the same events table
(its columns, the body stored once, JSON headers, indexes and foreign keys), of one event per
request.
``bare_application`` inserts the body alone into a three-column table, for reference.
"""

from __future__ import annotations

import json
import os
import threading
import uuid

import psycopg

_local = threading.local()  # a connection per server thread, as the hub has
ACCEPTED = b'{"success": true}'
HUB_INSERT = (
    "INSERT INTO webhooks_inboundevent (id, tenant_id, registration_id, provider, event_type, "
    "dedupe_key, object_type, object_id, occurred_at, payload, payload_in_body, raw_body, "
    "headers, status, attempts, error, received_at) VALUES (gen_random_uuid(), %s, %s, 'github', "
    "%s, %s, '', '', NULL, NULL, true, %s, %s::jsonb, 'pending', 0, '', now()) "
    "ON CONFLICT (registration_id, dedupe_key) DO NOTHING RETURNING registration_id, dedupe_key"
)
BARE_INSERT = (
    "INSERT INTO ingest_floor (id, dedupe_key, body) VALUES (%s, %s, %s) "
    "ON CONFLICT (dedupe_key) DO NOTHING"
)


def _db():
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(
            os.environ["FLOOR_DATABASE_URL"], autocommit=True
        )
    return connection


def _body(environ) -> bytes:
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def _accepted(start_response):
    start_response("202 Accepted", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(ACCEPTED)))])  # fmt: skip
    return [ACCEPTED]


def application(environ, start_response):
    body = _body(environ)
    headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k[:5] == "HTTP_"}
    _db().execute(
        HUB_INSERT,
        (
            os.environ["FLOOR_TENANT_ID"],
            os.environ["FLOOR_REGISTRATION_ID"],
            environ.get("HTTP_X_GITHUB_EVENT", ""),
            environ.get("HTTP_X_GITHUB_DELIVERY") or str(uuid.uuid4()),
            body,
            json.dumps(headers),
        ),
    ).fetchall()
    return _accepted(start_response)


def bare_application(environ, start_response):
    body = _body(environ)
    key = environ.get("HTTP_X_GITHUB_DELIVERY") or str(uuid.uuid4())
    _db().execute(BARE_INSERT, (uuid.uuid4(), key, body))
    return _accepted(start_response)
