"""Subscription forms: the add form (creates through the service) and the change form.

Neither form has a secret field to show: the add form's optional secret is write-only and
credential-like custom header values are shown redacted (submitting them unchanged keeps them).
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError

from core import http
from webhooks.outbound import event_types, signing
from webhooks.outbound.errors import RedactedHeaderValue
from webhooks.outbound.message import (
    REDACTED,
    custom_headers_problem,
    keep_redacted,
    redacted_headers,
)
from webhooks.outbound.models import Subscription


class EventTypesField(forms.CharField):
    """Event type patterns typed as comma-separated text or a JSON list; shown comma-separated."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value).strip()
        patterns = _json_list(text) if text.startswith("[") else text.split(",")
        return list(dict.fromkeys(p.strip() for p in patterns if p.strip()))

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        unknown = [p for p in value if not event_types.is_valid_pattern(p)]
        if unknown:
            raise ValidationError(f"Unknown event type(s): {', '.join(unknown)}.")


def _json_list(text: str) -> list:
    try:
        patterns = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"Not a JSON list: {exc}") from None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ValidationError("Enter a JSON list of strings or comma-separated event types.")
    return patterns


class HeadersField(forms.JSONField):
    def prepare_value(self, value):
        return super().prepare_value(redacted_headers(value) if isinstance(value, dict) else value)


class SubscriptionForm(forms.ModelForm):
    """The change form; its fields are the ones ``update_subscription`` accepts."""

    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https")
    event_types = EventTypesField(label="Event types")
    headers = HeadersField(
        required=False,
        help_text=f'Custom request headers as a JSON object. "{REDACTED}" keeps a stored value.',
    )
    max_attempts = forms.IntegerField(min_value=1, max_value=50)
    timeout_seconds = forms.IntegerField(min_value=1, max_value=30)

    class Meta:
        model = Subscription
        fields = ["url", "description", "event_types", "headers", "max_attempts", "timeout_seconds"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        declared = ", ".join(t.name for t in event_types.declared())
        self.fields[
            "event_types"
        ].help_text = f'Comma-separated or a JSON list: "*", "prefix.*" or any of: {declared}.'

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            http.validate_target_url(url)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return url

    def clean_headers(self) -> dict:
        headers = self.cleaned_data["headers"] or {}
        if not isinstance(headers, dict):
            raise ValidationError("Enter a JSON object of header names and values.")
        try:
            headers = keep_redacted(headers, self.instance.headers or {})
        except RedactedHeaderValue as exc:
            raise ValidationError(str(exc)) from None
        problem = custom_headers_problem(headers)
        if problem:
            raise ValidationError(problem)
        return headers


class SubscriptionAddForm(SubscriptionForm):
    secret = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to generate one. Either way it is shown once, after saving.",
    )

    class Meta(SubscriptionForm.Meta):
        fields = ["tenant", *SubscriptionForm.Meta.fields]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("max_attempts", "timeout_seconds"):
            self.fields[name].required = False
            self.fields[name].help_text = "Leave blank for the default."

    def clean_secret(self) -> str | None:
        secret = self.cleaned_data["secret"]
        problem = secret and signing.secret_problem(secret)
        if problem:
            raise ValidationError(problem)
        return secret or None
