"""Serializer fields for the hub's own model fields.

``EncryptedJSONField`` stores its JSON in a text column, so DRF's ModelSerializer would map it
to a CharField (a dict rendered as its Python repr) and the schema would call it a string.
``register_model_field_mappings`` maps it, for every ModelSerializer, to ``JSONObjectField``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import EncryptedJSONField


@extend_schema_field({"type": "object", "additionalProperties": {}})
class JSONObjectField(serializers.JSONField):
    """A JSON object, in and out."""

    default_error_messages = {"not_an_object": "Expected a JSON object."}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object")
        return value


def register_model_field_mappings() -> None:
    serializers.ModelSerializer.serializer_field_mapping[EncryptedJSONField] = JSONObjectField
