"""Model fields whose values are encrypted at rest (see core.crypto)."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from core import crypto


class EncryptedFieldMixin:
    """Stores a Fernet token in a text column; the Python value is the decrypted plaintext.

    Ciphertexts are randomised, so equality lookups cannot work and are refused; only
    ``isnull`` is allowed.
    """

    def to_plaintext(self, value: Any) -> str:
        return value

    def from_plaintext(self, plaintext: str) -> Any:
        return plaintext

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return crypto.encrypt(self.to_plaintext(value))

    def from_db_value(self, value: str | None, expression, connection) -> Any:
        if value is None:
            return None
        return self.from_plaintext(crypto.decrypt(value))

    def get_lookup(self, lookup_name: str):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_internal_type(self) -> str:
        return "TextField"


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A secret string (webhook signing secret, API token)."""


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A JSON-serialisable secret value (a connector's credentials dict)."""

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def from_plaintext(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
