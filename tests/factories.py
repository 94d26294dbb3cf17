from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from tenants import services
from tenants.models import Tenant


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class IssuedKeyFactory(factory.Factory):
    """Issues a key through the real service; the product is an ``IssuedKey`` with the raw key."""

    class Meta:
        model = services.IssuedKey

    tenant = factory.SubFactory(TenantFactory)
    name = "test"

    @classmethod
    def _create(cls, model_class, *, tenant, name):
        return services.issue_api_key(tenant=tenant, name=name)

    _build = _create


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True
    password = factory.django.Password("correct horse battery staple")


def make_subscription(*, tenant, url: str, events=("*",), **options):
    """A subscription created through the real service; returns (subscription, raw secret)."""
    from webhooks.outbound.subscriptions import create_subscription

    result = create_subscription(tenant=tenant, url=url, event_types=list(events), **options)
    return result.subscription, result.secret
