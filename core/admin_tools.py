"""Pieces every app's admin uses."""

from __future__ import annotations

import json

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.html import format_html

from core.constraints import Duplicate, ensure_unique


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


class UniqueRulesForm(forms.ModelForm):
    """A model form that checks every unique rule of its model, also the rules that read a
    field the form doesn't edit (the tenant, read-only once a row exists), which Django's own
    check skips: a duplicate is an error on the form, never a 500 when the row is saved."""

    def validate_unique(self) -> None:
        try:
            ensure_unique(self.instance)
        except Duplicate as exc:
            on_form = [name for name in exc.fields if name in self.fields]
            self.add_error(on_form[0] if on_form else None, str(exc))
