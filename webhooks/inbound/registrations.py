"""Writes for webhook registrations (seed 001's surface)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from connectors.errors import ConnectorError
from connectors.models import Connection
from connectors.providers import canonical_code
from connectors.selectors import webhook_secret
from tenants.models import Tenant
from webhooks.inbound.models import RegistrationStatus, WebhookRegistration, config_problem
from webhooks.inbound.registry import INBOUND_PROVIDERS, forget, unexpired
from webhooks.outbound.signing import generate_secret


class RegistrationError(ConnectorError):
    """The request doesn't fit what it names: another provider's connection or events."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownIntegration(RegistrationError):
    """The integration in the URL can't receive webhooks."""


class WrongProvider(RegistrationError):
    """The connection or the events named belong to another provider than the integration."""


@dataclass(frozen=True)
class CreatedRegistration:
    registration: WebhookRegistration
    secret: str  # shown once, here


def webhook_url(registration: WebhookRegistration) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/webhooks/{registration.id}"


def create_registration(
    *,
    tenant: Tenant,
    integration_id: str,
    connection_id: Any,
    events: list[str],
    secret: str | None = None,
    config: dict[str, Any] | None = None,
) -> CreatedRegistration:
    code = canonical_code(integration_id)
    if code not in INBOUND_PROVIDERS:
        raise UnknownIntegration("integrationId", f"{integration_id!r} can't receive webhooks")
    connection = Connection.objects.filter(tenant=tenant, pk=connection_id).first()
    if connection is None:
        raise RegistrationError("connectionId", "no such connection in this organization")
    if connection.connector != code:
        raise WrongProvider("connectionId", f"that connection is a {connection.connector} one")
    problem = config_problem(config or {})
    if problem:
        raise RegistrationError("config", problem)
    declared = set(INBOUND_PROVIDERS[code].DEFINITION.events)
    unknown = sorted(e for e in events if e != "*" and e not in declared)
    if unknown:
        anywhere = {e for p in INBOUND_PROVIDERS.values() for e in p.DEFINITION.events}
        error = WrongProvider if set(unknown) <= anywhere else RegistrationError
        raise error("events", f"unknown event type(s) for {code}: {', '.join(unknown)}")
    # The connection's webhook secret, when it holds one, is the one the provider signs with.
    held_as, held = webhook_secret(connection)
    if held and secret and secret != held:
        raise RegistrationError(
            "secret", f"the connection's {held_as} signs these webhooks: omit secret or change it"
        )
    raw_secret = held or secret or _generated_secret(code)
    registration = WebhookRegistration.objects.create(
        tenant=tenant,
        provider=code,
        connection=connection,
        event_types=list(dict.fromkeys(events)),
        secret=raw_secret,
        config=config or {},
    )
    return CreatedRegistration(registration=registration, secret=raw_secret)


def _generated_secret(code: str) -> str:
    # Standard Webhooks senders expect a whsec_ key; others take any high-entropy string.
    return generate_secret() if code == "standard" else "whsec_" + secrets.token_urlsafe(32)


def rotate_secret(*, registration: WebhookRegistration, secret: str | None = None) -> str:
    """A new secret for a registration that holds its own; one its connection holds is
    changed on the connection (``connection_secret_changed``), for all its registrations.
    Either way the old secret keeps verifying for ``INBOUND_SECRET_GRACE_SECONDS``."""
    held_as, _ = webhook_secret(registration.connection)
    if held_as:
        raise RegistrationError(
            "secret", f"the connection's {held_as} signs these webhooks: change it there"
        )
    raw_secret = secret or _generated_secret(registration.provider)
    _replace_secret(registration, raw_secret)
    return raw_secret


def connection_secret_changed(*, connection: Connection) -> None:
    """The connection's webhook secret changed: its registrations verify with the new one."""
    _, held = webhook_secret(connection)
    if not held:
        return  # removed: each registration keeps the secret it has
    for registration in connection.webhook_registrations.all():
        if registration.secret != held:
            _replace_secret(registration, held)


def _replace_secret(registration: WebhookRegistration, secret: str) -> None:
    """The provider may still sign with the old secret until it is changed there too: it keeps
    verifying for the grace period, as do older ones whose period isn't over. No grace (0)
    drops every old secret at once, as for a leaked one."""
    grace = settings.INBOUND_SECRET_GRACE_SECONDS
    kept = [old for old in unexpired(registration.previous_secrets) if old["secret"] != secret]
    if registration.secret and registration.secret != secret:
        kept.insert(0, {"secret": registration.secret, "expires_at": time.time() + grace})
    registration.previous_secrets = kept if grace > 0 and kept else None
    registration.secret = secret
    registration.save(update_fields=["secret", "previous_secrets", "updated_at"])
    forget(registration.id)


def set_status(*, registration: WebhookRegistration, status: str) -> WebhookRegistration:
    registration.status = RegistrationStatus(status)
    registration.save(update_fields=["status", "updated_at"])
    forget(registration.id)
    return registration


def delete_registration(*, registration: WebhookRegistration) -> None:
    forget(registration.id)
    registration.delete()
