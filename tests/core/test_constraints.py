"""Unique rules read from the models, and the database's refusals read back as them (the
PostgreSQL path runs in tests/test_unique_constraints.py; SQLite's messages are read here)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from connectors.models import IntegrationEvent
from core.constraints import Duplicate, duplicate_from, ensure_unique, unique_rules
from crm_sync.models import Client


def test_an_expression_rule_names_the_field_it_reads_without_the_tenant():
    [rule] = [r for r in unique_rules(Client) if r.name == "client_email_per_tenant"]
    assert rule.fields == ("tenant", "email") and rule.named_fields == ("email",)


@pytest.mark.parametrize(
    "message, fields",
    [
        (
            "UNIQUE constraint failed: connectors_connection.tenant_id, connectors_connection.name",
            ("name",),
        ),
        ("UNIQUE constraint failed: index 'client_email_per_tenant'", ("email",)),
        ("UNIQUE constraint failed: tenants_tenant.slug", ("slug",)),
        ("NOT NULL constraint failed: tenants_tenant.slug", None),
    ],
)
def test_sqlite_refusals_are_read_as_the_rule_they_break(message, fields):
    found = duplicate_from(IntegrityError(message))
    assert (found.fields if isinstance(found, Duplicate) else found) == fields


@pytest.mark.django_db
def test_a_null_key_repeats_nothing(tenant):
    fields = {"tenant": tenant, "connector": "slack", "event_type": "x", "idempotency_key": None}
    IntegrationEvent.objects.create(**fields)
    ensure_unique(IntegrationEvent(**fields))  # NULLs are distinct: no Duplicate
    IntegrationEvent.objects.create(**{**fields, "idempotency_key": "k"})
    with pytest.raises(Duplicate, match=r"^Integration event with this idempotency key already"):
        ensure_unique(IntegrationEvent(**{**fields, "idempotency_key": "k"}))
