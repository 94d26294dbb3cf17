"""Fernet encryption for secrets at rest. The first key in FIELD_ENCRYPTION_KEYS encrypts;
every key decrypts, so a new key can be put first and old ciphertexts still read."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _apply(_fernet().decrypt, token)


def rotate(token: str) -> str:
    """Re-encrypt a token under the current first key."""
    return _apply(_fernet().rotate, token)


def _apply(operation: Callable[[bytes], bytes], token: str) -> str:
    try:
        return operation(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "stored secret cannot be decrypted: its key is not in FIELD_ENCRYPTION_KEYS"
        ) from exc
