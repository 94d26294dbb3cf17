"""The inbound events table as migrations leave it on PostgreSQL: what every receive writes
to, with no index it doesn't need and a cheap compression for the body and payload."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def query(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_body_and_payload_are_compressed_with_lz4_where_the_server_has_it():
    (has_lz4,) = query(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )[0]
    methods = dict(
        query(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'webhooks_inboundevent'::regclass AND attname IN ('payload', 'raw_body')"
        )
    )
    expected = "l" if has_lz4 else ""  # '' is the server's default, pglz
    assert methods == {"payload": expected, "raw_body": expected}


def test_every_index_is_one_a_query_or_constraint_needs():
    indexes = sorted(
        columns
        for (columns,) in query(
            "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = 'webhooks_inboundevent'::regclass GROUP BY i.indexrelid"
        )
    )
    assert indexes == [
        "id",  # primary key
        "registration_id,dedupe_key",  # stored once per registration (the receive's ON CONFLICT)
        "registration_id,received_at",  # a registration's events, health
        "status,received_at",  # processing claims pending events oldest first
        "tenant_id,provider,event_type",  # the admin's and API's filters
    ]
