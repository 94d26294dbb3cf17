"""Helpers for driving admin pages as a browser would."""

from __future__ import annotations

from django.forms import BoundField, MultiWidget


def form_data(page) -> dict:
    """What submitting an admin add or change page unchanged sends: every field of its form
    and of its inline formsets (management forms included), as the page rendered them."""
    forms = [page.context["adminform"].form]
    for inline in page.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for bound in form:
            data.update(_submitted(bound))
    return data


def _submitted(bound: BoundField) -> dict:
    value, widget = bound.value(), bound.field.widget
    if isinstance(widget, MultiWidget):  # a date and a time input, say: one value each
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        return {
            bound.html_name + suffix: part.format_value(each) or ""
            for suffix, part, each in zip(widget.widgets_names, widget.widgets, parts, strict=True)
        }
    if bound.widget_type == "checkbox":
        return {bound.html_name: "on"} if value else {}
    if value is None:
        return {bound.html_name: ""}
    return {bound.html_name: value if isinstance(value, list | tuple) else str(value)}


def form_errors(page) -> str:
    """Every error the add or change page shows, with the names of the fields they are on."""
    form = page.context["adminform"].form
    return " ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
