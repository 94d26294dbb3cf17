"""A registration's config can no longer turn signature verification off: the key that did is
removed from every stored registration (the receive path ignores it too)."""

from django.db import migrations

import core.fields
import webhooks.inbound.models

REFUSED_CONFIG_KEYS = ("signature_bypass",)


def strip_refused_keys(apps, schema_editor):
    WebhookRegistration = apps.get_model("webhooks", "WebhookRegistration")
    for registration in WebhookRegistration.objects.only("id", "config").iterator():
        config = registration.config or {}
        if any(key in config for key in REFUSED_CONFIG_KEYS):
            registration.config = {
                k: v for k, v in config.items() if k not in REFUSED_CONFIG_KEYS
            }
            registration.save(update_fields=["config"])


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0005_inbound_previous_secrets"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookregistration",
            name="config",
            field=core.fields.EncryptedJSONField(
                blank=True, default=dict, validators=[webhooks.inbound.models.validate_config]
            ),
        ),
        migrations.RunPython(strip_refused_keys, migrations.RunPython.noop),
    ]
