"""The floor for ``make bench-ingest``: a bare WSGI app that does only what the hub's receive
path must do at least — read the body and insert one row into the same PostgreSQL."""

from __future__ import annotations

import os
import uuid

import psycopg

_connection = None


def _db():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return _connection


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    key = environ.get("HTTP_X_GITHUB_DELIVERY") or str(uuid.uuid4())
    _db().execute(
        "INSERT INTO ingest_floor (id, dedupe_key, body) VALUES (%s, %s, %s) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        (uuid.uuid4(), key, body),
    )
    payload = b'{"success": true}'
    start_response("202 Accepted", [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(payload)))])  # fmt: skip
    return [payload]
