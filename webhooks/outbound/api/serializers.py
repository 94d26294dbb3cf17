from __future__ import annotations

from rest_framework import serializers

from core import http
from core.api.fields import DateTimeField, HttpUrlField
from webhooks.outbound import event_types, selectors, signing
from webhooks.outbound.message import REDACTED, SENSITIVE_HEADER, custom_headers_problem
from webhooks.outbound.models import Delivery, DeliveryAttempt, Event, Subscription


def validate_target(url: str) -> str:
    try:
        http.validate_target_url(url)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc
    return url


def validate_event_patterns(patterns: list[str]) -> list[str]:
    unknown = [p for p in patterns if not event_types.is_valid_pattern(p)]
    if unknown:
        raise serializers.ValidationError(f"unknown event type(s): {', '.join(unknown)}")
    return list(dict.fromkeys(patterns))


def validate_custom_headers(headers: dict) -> dict:
    problem = custom_headers_problem(headers)
    if problem:
        raise serializers.ValidationError(problem)
    return headers


class OneLineField(serializers.CharField):
    def openapi_schema(self, schema: dict) -> dict:
        return {**schema, "pattern": "^[^\\r\\n]*$"}


class EventTypeField(serializers.CharField):
    """A declared event type; the schema lists them."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=120, **kwargs)

    def openapi_schema(self, schema: dict) -> dict:
        return {**schema, "enum": [event_type.name for event_type in event_types.declared()]}


class EventPatternField(EventTypeField):
    """``*``, a declared event type or a ``prefix.*`` covering one."""

    def openapi_schema(self, schema: dict) -> dict:
        return {**schema, "enum": event_types.valid_patterns()}


class SubscriptionWriteSerializer(serializers.Serializer):
    url = HttpUrlField(max_length=2048, validators=[validate_target])
    events = serializers.ListField(
        child=EventPatternField(),
        allow_empty=False,
        max_length=100,
        validators=[validate_event_patterns],
    )
    secret = serializers.CharField(
        required=False, write_only=True, min_length=signing.MIN_SECRET_LENGTH, max_length=200
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    enabled = serializers.BooleanField(required=False, default=True)
    headers = serializers.DictField(
        child=OneLineField(max_length=1000, allow_blank=True),
        required=False,
        help_text=(
            "Extra headers sent with each delivery. Names are letters, digits and '-', and not "
            "reserved (webhook-*, x-webhook-*, content-*, host, user-agent); OpenAPI 3.0 has no "
            "keyword for rules on names, so this says it."
        ),
        validators=[validate_custom_headers],
    )
    max_attempts = serializers.IntegerField(required=False, min_value=1, max_value=50)
    timeout_seconds = serializers.IntegerField(required=False, min_value=1, max_value=30)

    def validate_secret(self, secret: str) -> str:
        problem = signing.secret_problem(secret)
        if problem:
            raise serializers.ValidationError(problem)
        return secret


class SubscriptionUpdateSerializer(SubscriptionWriteSerializer):
    """PATCH: any of the writable fields but the secret (rotate it instead)."""

    secret = None
    enabled = serializers.BooleanField(required=False)


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(source="event_types", child=serializers.CharField())
    headers = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()
    held_deliveries = serializers.SerializerMethodField(
        help_text="Deliveries held while the subscription is disabled; enabling it sends them."
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "url",
            "description",
            "events",
            "headers",
            "enabled",
            "max_attempts",
            "timeout_seconds",
            "disabled_reason",
            "disabled_at",
            "held_deliveries",
            "previous_secret_expires_at",
            "health",
            "created_at",
            "updated_at",
        ]

    def get_headers(self, subscription: Subscription) -> dict[str, str]:
        return {
            name: REDACTED if SENSITIVE_HEADER.search(name) else value
            for name, value in (subscription.headers or {}).items()
        }

    def get_held_deliveries(self, subscription: Subscription) -> int:
        return selectors.held_deliveries(subscription=subscription)

    def get_health(self, subscription: Subscription) -> dict:
        return {
            "consecutive_failures": subscription.consecutive_failures,
            "last_success_at": subscription.last_success_at,
            "last_failure_at": subscription.last_failure_at,
            "failing_since": subscription.failing_since,
            "circuit_open_until": subscription.circuit_open_until,
        }


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown only in this response.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        required=False, min_length=signing.MIN_SECRET_LENGTH, max_length=200
    )
    grace_seconds = serializers.IntegerField(required=False, min_value=0, max_value=7 * 86400)

    validate_secret = SubscriptionWriteSerializer.validate_secret


class DeliverySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "subscription",
            "status",
            "attempts",
            "total_attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "succeeded_at",
            "dead_at",
            "created_at",
        ]


class EventCreateSerializer(serializers.Serializer):
    event_type = EventTypeField()
    payload = serializers.JSONField()
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def validate_event_type(self, value: str) -> str:
        if not event_types.is_declared(value):
            raise serializers.ValidationError(f"unknown event type {value!r}")
        return value


class EventSerializer(serializers.ModelSerializer):
    deliveries = DeliverySummarySerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ["id", "event_type", "payload", "idempotency_key", "created_at", "deliveries"]


class AttemptSerializer(serializers.ModelSerializer):
    delivery_id = serializers.UUIDField(source="delivery.id")
    subscription_id = serializers.UUIDField(source="delivery.subscription_id")

    class Meta:
        model = DeliveryAttempt
        fields = [
            "id",
            "delivery_id",
            "subscription_id",
            "number",
            "request_headers",
            "response_status",
            "response_body",
            "duration_ms",
            "error",
            "created_at",
        ]


class DeadLetterSerializer(DeliverySummarySerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.CharField(source="event.event_type")
    url = serializers.CharField(source="subscription.url")

    class Meta(DeliverySummarySerializer.Meta):
        fields = [*DeliverySummarySerializer.Meta.fields, "event_id", "event_type", "url"]


class DeadLetterFilterSerializer(serializers.Serializer):
    subscription = serializers.UUIDField(required=False)
    event_type = serializers.CharField(required=False, max_length=120)
    since = DateTimeField(required=False)
    until = DateTimeField(required=False)


class NotifySerializer(serializers.Serializer):
    """Seed 004's ``{event, data}`` (``timestamp`` is accepted and ignored)."""

    event = EventTypeField()
    data = serializers.JSONField()
    timestamp = serializers.CharField(required=False)

    validate_event = EventCreateSerializer.validate_event_type
