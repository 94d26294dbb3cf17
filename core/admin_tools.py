"""Pieces every app's admin uses."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.html import format_html


def pretty_json(value) -> str:
    """JSON for a person to read. Values a service builds (not only stored JSON) may hold
    datetimes, UUIDs or decimals: they show as the API writes them (ISO 8601, strings)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)
    return format_html("<pre>{}</pre>", text)


class ReadOnly:
    """Rows only the services write: viewable here, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
