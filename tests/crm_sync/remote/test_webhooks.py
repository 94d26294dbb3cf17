"""``from_webhook`` on the events the hub's inbound side parses from the real fixtures: which
payloads carry a whole contact, which only name one (the caller fetches it), and deletions."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.providers import dynamics, get_definition, hubspot, salesforce
from connectors.providers.inbound import InboundRequest, ParsedEvent
from crm_sync.remote import WebhookChange, adapter_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PARSERS = {"hubspot": hubspot.parse, "salesforce": salesforce.parse, "dynamics": dynamics.parse}


def events(provider: str, fixture: str) -> list[ParsedEvent]:
    body = (FIXTURES / provider / f"{fixture}.json").read_bytes()
    request = InboundRequest("POST", "https://hub.example.com/webhooks/x", {}, {}, body)
    return PARSERS[provider](request)


def changes(provider: str, fixture: str) -> list[WebhookChange | None]:
    adapter = adapter_for(provider)
    return [
        adapter.from_webhook(event_type=e.event_type, object_id=e.object_id, payload=e.payload)
        for e in events(provider, fixture)
    ]


@pytest.mark.parametrize("fixture", ["contact_created", "contact_updated"])
def test_hubspot_events_only_name_the_contact(fixture):
    found = changes("hubspot", fixture)
    expected = {
        "contact_created": ["51874203361", "51874203389"],
        "contact_updated": ["51874203361"],
    }
    assert [change.external_id for change in found] == expected[fixture]
    assert all(change.contact is None and not change.deleted for change in found)


def test_hubspot_deletion():
    assert changes("hubspot", "contact_deleted") == [WebhookChange("51874203389", None, True)]


@pytest.mark.parametrize("fixture", ["deal_created", "company_updated", "form_submitted"])
def test_hubspot_events_that_are_no_contact_change_map_to_nothing(fixture):
    assert changes("hubspot", fixture) == [None] * len(events("hubspot", fixture))


def test_a_salesforce_callout_with_the_whole_record_is_a_contact():
    [change] = changes("salesforce", "Contact.created")
    contact = change.contact
    assert change.external_id == contact.external_id == "0035g00000LqX8bAAF"
    assert contact.provider == "salesforce" and not change.deleted
    assert contact.fields == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada.lovelace@example.com",
        "phone": "+44 20 7946 0958",
    }
    assert contact.modified_at == datetime(2024, 11, 15, 9, 15, tzinfo=UTC)
    updated = changes("salesforce", "Contact.updated")
    assert [c.contact.fields["first_name"] for c in updated] == ["Ada", "Charles"]


def test_a_salesforce_callout_without_the_modification_time_is_partial():
    payload = json.loads((FIXTURES / "salesforce" / "Contact.created.json").read_bytes())
    partial = copy.deepcopy(payload)
    del partial["sobject"]["fields"]["LastModifiedDate"]
    change = adapter_for("salesforce").from_webhook(
        event_type="Contact.updated", object_id="0035g00000LqX8bAAF", payload=partial
    )
    assert change == WebhookChange("0035g00000LqX8bAAF", None)


def test_salesforce_deletion():
    assert changes("salesforce", "Contact.deleted") == [
        WebhookChange("0035g00000LqX9cAAF", None, deleted=True)
    ]


def test_a_dataverse_create_step_carries_the_whole_contact():
    [change] = changes("dynamics", "contact_created")
    contact = change.contact
    assert change.external_id == contact.external_id == "3b8e6f1a-52a3-ef11-8a69-000d3a4d6c2e"
    assert contact.fields == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada.lovelace@example.com",
        "phone": "+44 20 7946 0958",
    }
    assert contact.modified_at == datetime.fromtimestamp(1731662100, UTC)  # its createdon


def test_a_dataverse_update_step_is_partial():
    assert changes("dynamics", "contact_updated") == [
        WebhookChange("6d81597f-0f9f-e711-8122-000d3aa2331c", None)
    ]


def test_dataverse_deletion():
    assert changes("dynamics", "contact_deleted") == [
        WebhookChange("6d81597f-0f9f-e711-8122-000d3aa2331c", None, deleted=True)
    ]


@pytest.mark.parametrize("provider", ["hubspot", "salesforce", "dynamics"])
def test_every_declared_contact_event_has_a_mapping(provider):
    """Each contact event the connector declares maps to a change; other types to nothing."""
    adapter = adapter_for(provider)
    declared = [e for e in get_definition(provider).events if "contact" in e.lower()]
    assert len(declared) == 3
    for event_type in declared:
        payload = json.loads((FIXTURES / provider / f"{event_type}.json").read_bytes())
        payload = payload[0] if isinstance(payload, list) else payload
        change = adapter.from_webhook(event_type=event_type, object_id="x-1", payload=payload)
        assert isinstance(change, WebhookChange)
    assert adapter.from_webhook(event_type="ticket_created", object_id="1", payload={}) is None
