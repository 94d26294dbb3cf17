"""The body is stored once: an event whose payload is the body's whole JSON keeps only the raw
body (``payload_in_body``); ``stored_payload`` (the ``payload`` column) holds the others."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0003_inbound_lean_writes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="inboundevent", name="payload"),
                migrations.AddField(
                    model_name="inboundevent",
                    name="stored_payload",
                    field=models.JSONField(db_column="payload", null=True),
                ),
            ]
        ),
        migrations.AddField(
            model_name="inboundevent",
            name="payload_in_body",
            field=models.BooleanField(default=False),
        ),
    ]
