"""The OpenAPI schema's error responses: every operation documents each status it can answer
with the one shared error shape (``Error``, or ``SeedError`` for the seed-compatible endpoints),
derived from what the operation has (a key to check, path ids, parameters, a body)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api.seed import SeedResponseMixin


class ErrorSerializer(serializers.Serializer):
    """The API's error shape (see core.api.exceptions)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per-field messages, present for validation errors (400).",
    )

    class Meta:
        ref_name = "Error"


class SeedErrorSerializer(serializers.Serializer):
    """Seed 004's error shape (see core.api.seed), answered by the seed-compatible endpoints."""

    success = serializers.BooleanField()
    error = serializers.CharField()
    details = serializers.DictField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "SeedError"


def error_responses(
    described: dict[int, str], error: type[serializers.Serializer] = ErrorSerializer
) -> dict[int, OpenApiResponse]:
    """``extend_schema`` responses for the errors an operation's own logic answers, each with
    what it means there: ``{409: "another connection has that name"}``."""
    return {code: OpenApiResponse(error, description=text) for code, text in described.items()}


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the errors name each field or parameter and its problem.",
    "401": "No API key, or an invalid or revoked one.",
    "403": "X-Organization-Id names another organization than the API key's.",
    "404": "Not found, or another tenant's.",
    "409": "Conflicts with the resource's current state.",
    "413": "Request body too large.",
    "415": "Unsupported media type: send application/json.",
    "422": "Well-formed, but can't be processed (see the code).",
}


class AutoSchema(BaseAutoSchema):
    """drf-spectacular's AutoSchema, documenting the error statuses an operation can answer.

    A view states the errors that depend on its logic (409, 422) with
    ``extend_schema(responses={409: ErrorSerializer})``; the generic ones are derived here.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = SeedErrorSerializer if isinstance(self.view, SeedResponseMixin) else ErrorSerializer
        responses = operation["responses"]
        for code in self._error_statuses(operation):
            if code not in responses:
                responses[code] = self._get_response_for_code(error, code)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if "$ref" in schema:
            return schema
        return constrained(field, schema)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        properties = schema.get("properties", {})
        for field in serializer.fields.values():
            prop = properties.get(field.field_name)
            if not prop:
                continue
            if "format" in prop and _may_be_blank(field):
                # "" or a value of that format: an email that may be blank is no email format
                prop["anyOf"] = [{"format": prop.pop("format")}, {"maxLength": 0}]
            if hasattr(field, "openapi_schema"):  # after drf-spectacular's validator keywords
                properties[field.field_name] = field.openapi_schema(prop)
        if hasattr(serializer, "openapi_body_schema") and direction == "request":
            schema.update(serializer.openapi_body_schema())
        return schema

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            serializer = self.get_request_serializer()
            if isinstance(serializer, dict) and not _is_catalog_schema(serializer):
                serializer = serializer.get("application/json")  # a serializer by content type
            if hasattr(serializer, "openapi_body_schema") or _is_catalog_schema(serializer):
                body["required"] = True  # its anyOf / oneOf needs some property: {} won't do
        return body

    def _error_statuses(self, operation: dict[str, Any]) -> list[str]:
        params = operation.get("parameters", [])
        codes = []
        if any(requirement for requirement in operation.get("security", [])):
            codes += ["401", "403"]
        if any(p["in"] == "path" for p in params):
            codes.append("404")
        if "requestBody" in operation:
            codes += ["400", "413", "415"]
        elif any(p["in"] in ("query", "header") for p in params):
            codes.append("400")
        if any(p["in"] == "query" and p["name"] == "cursor" for p in params):
            codes.append("404")  # an unknown cursor: that page doesn't exist
        return codes


def query_filter(schema: dict[str, Any]) -> dict[str, Any]:
    """A query filter's schema: its values, or empty, which (as in a form) means no filter."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


NOT_NULL = [{"type": t} for t in ("object", "array", "string", "number", "boolean")]


def constrained(field: serializers.Field, schema: dict[str, Any]) -> dict[str, Any]:
    """The field's schema with what the field refuses that drf-spectacular leaves out.

    A field may rewrite its own (a catalog's enum) with an ``openapi_schema(schema)`` method.
    """
    schema = dict(schema)
    if isinstance(field, serializers.ListField) and not field.allow_empty:
        schema["minItems"] = max(schema.get("minItems", 0), 1)
    if isinstance(field, serializers.JSONField) and not field.allow_null and "type" not in schema:
        schema["anyOf"] = NOT_NULL  # any JSON value but null
    if hasattr(field, "openapi_schema"):
        schema = field.openapi_schema(schema)
    return schema


def _is_catalog_schema(serializer: Any) -> bool:
    """A request given as a raw JSON schema by content type (not a serializer) with a oneOf."""
    body = serializer.get("application/json") if isinstance(serializer, dict) else None
    return isinstance(body, dict) and "oneOf" in body


def _may_be_blank(field: serializers.Field) -> bool:
    """A field that takes "", or a read-only one whose model column may hold it."""
    if getattr(field, "allow_blank", False):
        return True
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if not field.read_only or model is None:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False
