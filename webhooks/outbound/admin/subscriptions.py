"""Subscriptions in the admin: create (the secret is shown once), edit, enable, disable,
rotate the secret and send a test event, each through ``webhooks.outbound.subscriptions``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks.outbound import selectors, subscriptions
from webhooks.outbound.admin.forms import SubscriptionAddForm, SubscriptionForm
from webhooks.outbound.errors import SubscriptionDisabled
from webhooks.outbound.models import Subscription

OPERATOR_REASON = "disabled by an operator"
HEALTH_FIELDS = [
    "enabled",
    "disabled_reason",
    "disabled_at",
    "held_deliveries",
    "consecutive_failures",
    "failing_since",
    "last_success_at",
    "last_failure_at",
    "circuit_open_until",
]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "url",
        "tenant",
        "enabled",
        "events",
        "consecutive_failures",
        "last_success_at",
        "last_failure_at",
        "disabled_reason",
    ]
    list_filter = ["tenant", "enabled"]
    list_select_related = ["tenant"]
    search_fields = ["url", "description"]
    exclude = ["secret", "previous_secret"]
    actions = ["enable", "disable", "rotate_secret", "send_test_event"]

    @admin.display(description="event types")
    def events(self, subscription: Subscription) -> str:
        return ", ".join(subscription.event_types)

    @admin.display(description="held deliveries (sent when re-enabled)")
    def held_deliveries(self, subscription: Subscription) -> int:
        return selectors.held_deliveries(subscription=subscription)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["form"] = SubscriptionForm if obj else SubscriptionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return [
            (None, {"fields": ["id", "tenant", *SubscriptionForm.Meta.fields]}),
            ("Health", {"fields": HEALTH_FIELDS}),
            (None, {"fields": ["previous_secret_expires_at", "created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        fields = ["id", "tenant", *HEALTH_FIELDS]
        return [*fields, "previous_secret_expires_at", "created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Subscription, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data}
            subscriptions.update_subscription(subscription=obj, changes=changes)
            return
        created = subscriptions.create_subscription(
            tenant=data["tenant"],
            url=data["url"],
            event_types=data["event_types"],
            secret=data["secret"],
            description=data["description"],
            headers=data["headers"],
            max_attempts=data["max_attempts"],
            timeout_seconds=data["timeout_seconds"],
        )
        obj.pk = created.subscription.pk
        obj.refresh_from_db()
        _show_secret(request, created, "Signing secret")

    @admin.action(description="Enable selected subscriptions", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._set_enabled(request, queryset, enabled=True)

    @admin.action(description="Disable selected subscriptions", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._set_enabled(request, queryset, enabled=False)

    def _set_enabled(self, request: HttpRequest, queryset, *, enabled: bool) -> None:
        held = 0
        for subscription in queryset:
            if enabled:
                held += selectors.held_deliveries(subscription=subscription)
            subscriptions.set_enabled(
                subscription=subscription, enabled=enabled, reason=OPERATOR_REASON
            )
            if not enabled:
                held += selectors.held_deliveries(subscription=subscription)
        verb = "Enabled" if enabled else "Disabled"
        message = f"{verb} {len(queryset)} subscription(s)"
        if held:
            what = "are on their way" if enabled else "are held until re-enabled"
            kind = "held" if enabled else "waiting"
            message += f"; {held} {kind} deliveries {what}"
        self.message_user(request, message + ".")

    @admin.action(
        description="Rotate the signing secret (one subscription)", permissions=["change"]
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        if len(queryset) != 1:
            self.message_user(
                request, "Select exactly one subscription to rotate its secret.", messages.ERROR
            )
            return
        rotated = subscriptions.rotate_secret(subscription=queryset[0])
        expires = rotated.subscription.previous_secret_expires_at
        old = f"The old secret also signs until {expires:%Y-%m-%d %H:%M %Z}." if expires else ""
        _show_secret(request, rotated, "New signing secret", old)

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        sent, skipped = 0, []
        for subscription in queryset:
            try:
                subscriptions.send_test_event(subscription=subscription)
            except SubscriptionDisabled:
                skipped.append(subscription.url)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"Sent a test event to {sent} subscription(s).")
        if skipped:
            disabled = ", ".join(skipped)
            self.message_user(request, f"Not sent to disabled: {disabled}.", messages.WARNING)


def _show_secret(
    request: HttpRequest, result: subscriptions.SubscriptionWithSecret, what: str, note: str = ""
) -> None:
    """The raw secret's only appearance: a one-time message after creation or rotation."""
    shown = f"{what} of {result.subscription.url} (shown only now, copy it): {result.secret}"
    messages.warning(request, f"{shown} {note}".rstrip())
