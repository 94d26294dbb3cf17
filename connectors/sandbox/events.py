"""One plausible event per provider for demos (``run_sandbox --send-webhook``) when no event
file is given. Ids are fresh on every call so the hub's dedupe doesn't swallow a second demo.
Tests should use the real payloads under ``tests/fixtures/<provider>/`` instead."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any


def sample_event(provider: str) -> dict[str, Any] | list[Any]:
    now, unique = int(time.time()), uuid.uuid4().hex
    iso_now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    samples: dict[str, Any] = {
        "slack": {
            "type": "event_callback",
            "team_id": "T0SANDBOX",
            "api_app_id": "A0SANDBOX",
            "event_id": f"Ev{unique[:10].upper()}",
            "event_time": now,
            "event": {
                "type": "message",
                "channel": "C0SANDBOX01",
                "user": "U0SANDBOX",
                "text": "Hello from the sandbox",
                "ts": f"{now}.000100",
            },
        },
        "github": {
            "zen": "Keep it logically awesome.",
            "hook_id": now,
            "hook": {"type": "Repository", "events": ["push"], "active": True},
        },
        "hubspot": [
            {
                "eventId": now,
                "subscriptionId": 12345,
                "portalId": 62515,
                "appId": 54321,
                "occurredAt": now * 1000,
                "subscriptionType": "contact.propertyChange",
                "attemptNumber": 0,
                "objectId": 1001,
                "propertyName": "email",
                "propertyValue": "ada.lovelace.1@example.com",
                "changeSource": "CRM",
            }
        ],
        "meta": {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": "106540352242922",
                                },
                                "contacts": [
                                    {"profile": {"name": "Ada Lovelace"}, "wa_id": "16505551234"}
                                ],
                                "messages": [
                                    {
                                        "from": "16505551234",
                                        "id": f"wamid.{unique}",
                                        "timestamp": str(now),
                                        "type": "text",
                                        "text": {"body": "Hello from the sandbox"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        },
        "linkedin": {
            "type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
            "id": unique,
            "organizationalEntity": "urn:li:organization:2414183",
            "lastModifiedAt": now * 1000,
        },
        "notion": {
            "id": str(uuid.uuid4()),
            "timestamp": iso_now,
            "type": "page.content_updated",
            "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
            "entity": {"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "page"},
            "integration_id": "104d872b-594c-8069-9c9c-0037bfe5a8f8",
            "attempt_number": 1,
        },
        "salesforce": {
            "action": "updated",
            "sobject": {
                "name": "Contact",
                "fields": {
                    "Id": "003SB0000000001AAA",
                    "LastName": "Lovelace",
                    "Email": "ada.lovelace.1@example.com",
                    "LastModifiedDate": iso_now,
                },
            },
        },
        "dynamics": {
            "MessageName": "Update",
            "PrimaryEntityName": "contact",
            "PrimaryEntityId": str(uuid.uuid4()),
            "OrganizationName": "sandbox",
            "CorrelationId": str(uuid.uuid4()),
            "OperationCreatedOn": iso_now,
            "InputParameters": [
                {
                    "key": "Target",
                    "value": {
                        "LogicalName": "contact",
                        "Attributes": [{"key": "lastname", "value": "Lovelace"}],
                    },
                }
            ],
        },
        "standard": {
            "type": "client.updated",
            "timestamp": iso_now,
            "data": {"id": unique, "name": "Ada Lovelace"},
        },
        "zapier": {"event": "zap.triggered", "id": unique, "data": {"name": "Ada Lovelace"}},
    }
    samples["whatsapp"] = samples["meta"]
    if provider not in samples:
        raise ValueError(f"no sample event for {provider!r}; known: {', '.join(samples)}")
    return samples[provider]
