"""Helpers for driving admin pages as a browser would."""

from __future__ import annotations

from django.forms import BoundField


def form_data(page) -> dict:
    """What submitting an admin add or change page unchanged sends: every field of its form
    and of its inline formsets (management forms included), as the page rendered them."""
    forms = [page.context["adminform"].form]
    for inline in page.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for bound in form:
            value = _submitted(bound)
            if value is not None:
                data[bound.html_name] = value
    return data


def _submitted(bound: BoundField):
    value = bound.value()
    if bound.widget_type == "checkbox":
        return "on" if value else None
    if value is None:
        return ""
    return value if isinstance(value, list | tuple) else str(value)


def form_errors(page) -> str:
    """Every error the add or change page shows, with the names of the fields they are on."""
    form = page.context["adminform"].form
    return " ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
