"""Reading settings from the environment, failing loudly and naming the variable."""

from __future__ import annotations

import base64
import hashlib

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


def required_in_production(name: str, *, debug: bool, dev_default: str) -> str:
    """Return the variable, or a development default; refuse to start without it in production."""
    value = env.str(name, default="")
    if value:
        return value
    if not debug:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (production mode).")
    return dev_default


def dev_fernet_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, so development needs no extra setting."""
    digest = hashlib.sha256(b"switchboard-field-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def fernet_keys(name: str, *, debug: bool, secret_key: str) -> list[str]:
    raw = required_in_production(name, debug=debug, dev_default=dev_fernet_key(secret_key))
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}: key #{position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from exc
    return keys


def seconds_list(name: str, *, default: str) -> list[int]:
    """A comma-separated list of non-negative whole seconds, e.g. a retry schedule."""
    raw = env.str(name, default=default)
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated whole seconds.") from exc
    if not values or min(values) < 0:
        raise ImproperlyConfigured(f"{name} must list at least one non-negative number.")
    return values
