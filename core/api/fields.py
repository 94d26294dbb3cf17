"""Serializer fields for the hub's own model fields.

``EncryptedJSONField`` stores its JSON in a text column, so DRF's ModelSerializer would map it
to a CharField (a dict rendered as its Python repr) and the schema would call it a string.
``register_model_field_mappings`` maps it, for every ModelSerializer, to ``JSONObjectField``.

``require_json_types`` makes every CharField (and its kin: email, URL, slug, regex) refuse a
JSON number or boolean instead of quietly storing its text, a BooleanField refuse "true" or 1, and
a UUIDField take only the hyphenated form the schema's ``format: uuid`` names (not an integer,
``false`` or 32 bare hex digits): what the schema says is what the API takes.
"""

from __future__ import annotations

import re
import uuid
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


UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
RFC_3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _accepts(field_class: type[serializers.Field], accepted: Any) -> None:
    """``field_class`` refuses (its "invalid" error) input for which ``accepted`` is false."""
    lenient = field_class.to_internal_value
    if getattr(lenient, "strict", False):
        return

    def to_internal_value(self: serializers.Field, data: Any) -> Any:
        if not accepted(data):
            self.fail("invalid")
        return lenient(self, data)

    to_internal_value.strict = True  # type: ignore[attr-defined]
    field_class.to_internal_value = to_internal_value  # type: ignore[method-assign]


def require_json_types() -> None:
    _accepts(serializers.CharField, lambda data: isinstance(data, str))
    _accepts(serializers.BooleanField, lambda data: isinstance(data, bool))
    _accepts(
        serializers.UUIDField,
        lambda data: (
            isinstance(data, uuid.UUID)
            or (isinstance(data, str) and UUID_TEXT.fullmatch(data) is not None)
        ),
    )


class DateTimeField(serializers.DateTimeField):
    """An RFC 3339 date-time (the schema's ``format: date-time``), nothing looser."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not RFC_3339.fullmatch(value):
            self.fail("invalid", format="RFC 3339, e.g. 2026-01-31T12:00:00Z")
        return super().to_internal_value(value)


HTTP_URL_PATTERN = (
    r"^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,20}"
    r"(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~/-]*)?$"
)


class HttpUrlField(serializers.URLField):
    """An http(s) URL; its schema names the shape every such URL has (``format: uri`` would
    admit URIs Django's validator refuses)."""

    def openapi_schema(self, schema: dict) -> dict:
        kept = {k: v for k, v in schema.items() if k in ("description", "readOnly", "writeOnly")}
        url = {"type": "string", "maxLength": self.max_length or 2048, "pattern": HTTP_URL_PATTERN}
        if self.allow_blank:
            return {**kept, "oneOf": [url, {"type": "string", "maxLength": 0}]}
        return {**kept, **url}
