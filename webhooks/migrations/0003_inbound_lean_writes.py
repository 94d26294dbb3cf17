"""Cheaper writes of inbound events: no index of their own on the two foreign keys (the
composite indexes lead with them), and lz4 for the body and payload on PostgreSQL.

Measured on the ingest benchmark's 8.8 KB GitHub push, pglz compressing both copies of the body
took a third of PostgreSQL's time per insert; lz4 compresses about as well at a fraction of the
cost. A server built without lz4 (or older than PostgreSQL 14) keeps pglz.
"""

import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

COMPRESSED_COLUMNS = ("payload", "raw_body")


def _set_compression(method: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model("webhooks", "InboundEvent")._meta.db_table
        columns = ", ".join(
            f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in COMPRESSED_COLUMNS
        )
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(f"ALTER TABLE {table} {columns}")
        except DatabaseError:
            pass  # no lz4 in this server: pglz it stays

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("webhooks", "0002_inbound"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboundevent",
            name="registration",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="webhooks.webhookregistration",
            ),
        ),
        migrations.AlterField(
            model_name="inboundevent",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="inbound_events",
                to="tenants.tenant",
            ),
        ),
        migrations.RunPython(_set_compression("lz4"), _set_compression("default")),
    ]
