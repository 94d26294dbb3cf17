"""No admin page answers 5xx: every registered ModelAdmin (Django's and django-celery-beat's
included), with rows of every kind present, through its changelist (each filter choice, a
search, the date drill-down), its add, change, history and delete-confirmation pages, and
each of its actions on selected rows (only the confirmation step of a deletion). Change pages
are also saved as rendered, and add pages submitted with their defaults.

The Django test client raises what a view raises, so a 500 fails the test with its traceback."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from connectors import breaker
from connectors.admin.breakers import Breaker
from connectors.models import Connection
from connectors.providers import all_definitions
from tests.admin_pages import form_data
from tests.factories import populated_hub

pytestmark = pytest.mark.django_db
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
SEARCHES = ["ada", "00000000-0000-0000-0000-000000000000", "not-a-uuid", "100%_'\""]


@pytest.fixture
def hub(tenant, sandbox, monkeypatch, settings):
    # Beat's "run tasks" action sends to the broker directly; nothing here consumes them.
    monkeypatch.setattr("celery.app.base.Celery.send_task", lambda *args, **kwargs: None)
    settings.CONNECTOR_BREAKER_MIN_CALLS = 2
    populated = populated_hub(tenant=tenant, sandbox_url=sandbox.url)
    for _ in range(2):  # an open circuit breaker, for the breaker page
        breaker.record(str(Connection.objects.first().pk), success=False)
    return populated


def url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:  # a page the admin replaced (the catalog and breaker pages)
        return None


def get_ok(client, path: str, params: dict | None = None):
    response = client.get(path, params or {})
    assert response.status_code < 500, (path, params, response.status_code)
    return response


def object_keys(model, model_admin, request) -> list[str]:
    if model is Breaker:  # rows from the cache, one per connection
        return [str(pk) for pk in Connection.objects.values_list("pk", flat=True)]
    if not model._meta.managed:  # rows from code, keyed by connector code
        return [definition.code for definition in all_definitions()]
    return [quote(pk) for pk in model_admin.get_queryset(request).values_list("pk", flat=True)]


@pytest.mark.parametrize(
    "model, model_admin", [pytest.param(*item, id=item[0]._meta.label) for item in REGISTRY]
)
def test_every_page_and_action_of_the_admin_answers_without_a_5xx(
    staff_client, hub, model, model_admin
):
    changelist = url(model, "changelist")
    page = get_ok(staff_client, changelist)
    request = page.wsgi_request
    keys = object_keys(model, model_admin, request)
    if model._meta.managed:
        assert keys, f"no {model._meta.label} rows: populated_hub should make some"
        crawl_changelist(staff_client, changelist, page, model_admin)
    for key in keys:
        for view in ("change", "history", "delete"):
            path = url(model, view, key)
            if path:
                get_ok(staff_client, path)
        resubmit_change_page(staff_client, model, model_admin, key)
        reset = url(model, "reset", key)  # the breaker page's one POST
        if reset:
            assert staff_client.post(reset, follow=True).status_code < 500, reset
    add = url(model, "add")
    if add and model_admin.has_add_permission(request):
        page = get_ok(staff_client, add)
        response = staff_client.post(add, form_data(page))  # its defaults: saved, or errors
        assert response.status_code < 500, (add, response.status_code)
    rows = model._default_manager.count() if model._meta.managed else 0
    for name in model_admin.get_actions(request):
        # One row (some act on one only), all of them, and "select all" across pages.
        for selected, across in ((keys[:1], "0"), (keys, "0"), (keys[:1], "1")):
            data = {"action": name, "_selected_action": selected, "select_across": across}
            response = staff_client.post(changelist, data, follow=True)  # a deletion only asks
            assert response.status_code < 500, (name, response.status_code)
    if model._meta.managed:
        assert model._default_manager.count() == rows  # nothing was deleted


def resubmit_change_page(client, model, model_admin, key: str) -> None:
    """Save the change page as it was rendered, as an operator pressing "Save" would."""
    path = url(model, "change", key)
    page = client.get(path) if path else None
    if page is None or page.status_code != 200 or "adminform" not in page.context:
        return
    if not page.context["has_change_permission"]:
        return
    response = client.post(path, {**form_data(page), "_continue": "1"})
    assert response.status_code < 500, (path, response.status_code)


def crawl_changelist(client, changelist: str, page, model_admin) -> None:
    cl = page.context["cl"]
    for spec in cl.filter_specs:
        for choice in spec.choices(cl):
            get_ok(client, changelist + choice["query_string"])
        for parameter in spec.expected_parameters():  # a hand-edited or stale URL
            get_ok(client, changelist, {parameter: "not-a-value"})
    if model_admin.search_fields:
        for query in SEARCHES:
            get_ok(client, changelist, {"q": query})
    if model_admin.date_hierarchy:
        field, today = model_admin.date_hierarchy, timezone.now()
        get_ok(client, changelist, {f"{field}__year": today.year})
        get_ok(client, changelist, {f"{field}__year": today.year, f"{field}__month": today.month})
    for index, _ in enumerate(cl.list_display):
        get_ok(client, changelist, {"o": str(index)})


def test_the_admin_index_and_app_pages_answer_without_a_5xx(staff_client, hub):
    get_ok(staff_client, reverse("admin:index"))
    for app_label in sorted({model._meta.app_label for model, _ in REGISTRY}):
        get_ok(staff_client, reverse("admin:app_list", args=[app_label]))
