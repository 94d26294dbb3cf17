"""`make run`'s demo: the demo tenant's CRM connections poll the sandbox, once set up, and a
poll of each fills the local CRM."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from crm_sync.models import Client, SyncProfile
from crm_sync.services import profiles
from crm_sync.services.polling import poll

pytestmark = pytest.mark.django_db


def test_the_demo_polls_its_crms_and_leaves_later_choices_alone(settings, tmp_path, sandbox):
    settings.DATA_DIR = tmp_path
    settings.SANDBOX_URL = sandbox.url
    call_command("bootstrap_demo", stdout=io.StringIO())
    polling = SyncProfile.objects.filter(connection__tenant__slug="demo", polling_enabled=True)
    assert sorted(p.connection.connector for p in polling) == ["dynamics", "hubspot", "salesforce"]
    assert all(p.periodic_task is not None for p in polling)
    hubspot = polling.get(connection__connector="hubspot")
    profiles.update_settings(connection=hubspot.connection, changes={"polling_enabled": False})
    call_command("bootstrap_demo", stdout=io.StringIO())
    assert not SyncProfile.objects.get(pk=hubspot.pk).polling_enabled  # ops turned it off
    for profile in polling.exclude(pk=hubspot.pk):
        assert poll(connection=profile.connection).status == "succeeded"
    # The three CRMs hold the same 250 demo people: matched by email into 250 clients.
    assert Client.objects.filter(tenant__slug="demo").count() == 250
