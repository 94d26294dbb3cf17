"""API key format: ``sb_`` + 43 url-safe characters (256 bits). Stored as a SHA-256 digest:
the key is random enough that a slow password hash would add cost without adding safety."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "sb_"
DISPLAY_PREFIX_LENGTH = 11


def generate_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def display_prefix(raw_key: str) -> str:
    return raw_key[:DISPLAY_PREFIX_LENGTH]
