"""Signing a fixture as each provider would (with the sandbox's signers, the code
``send_sample_webhook`` uses) and turning it into the ``InboundRequest`` the hub verifies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectors.providers.inbound import InboundRequest, VerifyContext
from connectors.sandbox import webhooks as signers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
URL = "https://hub.example.com/webhooks/3f2c6a8e-0d8b-4a55-9e38-3c1f2a7b9d10"


@dataclass(frozen=True)
class Setup:
    """How a registration of this provider is configured, and how the sandbox signs for it."""

    secret: str
    config: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    signs_body: bool = True  # Zapier and Dynamics' header modes authenticate, but sign nothing
    per_fixture: Callable[[Path], dict[str, Any]] | None = None  # e.g. GitHub's event header


SETUPS: dict[str, Setup] = {
    "slack": Setup(secret="8f742231b10e8888abcd99yyyzzz85a5"),
    "github": Setup(
        secret="It's a Secret to Everybody",
        per_fixture=lambda path: {"event": event_type_of(path)},
    ),
    "hubspot": Setup(secret="yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"),
    "meta": Setup(secret="meta-app-secret-0123456789", config={"verify_token": "meta-verify"}),
    "whatsapp": Setup(secret="wa-app-secret-0123456789", config={"verify_token": "wa-verify"}),
    "linkedin": Setup(secret="linkedin-client-secret-0123"),
    "notion": Setup(secret="secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"),
    "salesforce": Setup(secret="salesforce-shared-secret-01"),
    "dynamics": Setup(
        secret="dynamics-header-value-0123",
        config={"auth": "header", "header_name": "X-Api-Key"},
        options={"auth": "header", "header_name": "X-Api-Key"},
        signs_body=False,
    ),
    "zapier": Setup(
        secret="zapier-shared-value-0123",
        config={"auth": "header", "header_name": "X-Api-Key"},
        options={"header_name": "X-Api-Key"},
        signs_body=False,
    ),
    "standard": Setup(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
}


def fixture_paths(code: str) -> list[Path]:
    return sorted((FIXTURES / code).glob("*.json"))


def event_type_of(path: Path) -> str:
    """A fixture is named after the event type it carries: ``Contact.created.json``."""
    return path.name.removesuffix(".json")


def to_inbound(signed: signers.SignedRequest) -> InboundRequest:
    parts = urlsplit(signed.url)
    return InboundRequest(
        method=signed.method,
        url=signed.url,
        headers={name.lower(): value for name, value in signed.headers.items()},
        query=dict(parse_qsl(parts.query)),
        body=signed.body,
    )


def signed_request(code: str, body: bytes, *, url: str = URL, **options: Any) -> InboundRequest:
    setup = SETUPS[code]
    return to_inbound(signers.build(code, url, setup.secret, body, **{**setup.options, **options}))


def signed_fixture(code: str, path: Path) -> InboundRequest:
    """A fixture signed as the provider sends it, with its per-fixture options."""
    setup = SETUPS[code]
    extra = setup.per_fixture(path) if setup.per_fixture else {}
    return signed_request(code, path.read_bytes(), **extra)


def context(code: str, *, secret: str | None = None, now: float | None = None) -> VerifyContext:
    setup = SETUPS[code]
    return VerifyContext(
        secret=setup.secret if secret is None else secret,
        config=setup.config,
        tolerance_seconds=300,
        now=time.time() if now is None else now,
    )


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())
