"""Subscriptions' custom headers (often credentials) are encrypted at rest: the column becomes
text, and every row stored in plaintext is encrypted in place (rows already encrypted are left
as they are, so running it again changes nothing)."""

import json

from django.db import migrations

import core.fields
from core import crypto


def _rows(apps, schema_editor):
    Subscription = apps.get_model("webhooks", "Subscription")
    table = Subscription._meta.db_table
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, headers FROM {table} WHERE headers IS NOT NULL")
        rows = cursor.fetchall()
    return connection, table, rows


def _is_encrypted(stored: str) -> bool:
    try:
        crypto.decrypt(stored)
    except crypto.DecryptionError:
        return False
    return True


def encrypt_headers(apps, schema_editor):
    connection, table, rows = _rows(apps, schema_editor)
    with connection.cursor() as cursor:
        for pk, stored in rows:
            if isinstance(stored, str) and _is_encrypted(stored):
                continue
            headers = json.loads(stored) if isinstance(stored, str) else stored
            plaintext = json.dumps(headers or {}, separators=(",", ":"), sort_keys=True)
            cursor.execute(
                f"UPDATE {table} SET headers = %s WHERE id = %s", [crypto.encrypt(plaintext), pk]
            )


def decrypt_headers(apps, schema_editor):
    connection, table, rows = _rows(apps, schema_editor)
    with connection.cursor() as cursor:
        for pk, stored in rows:
            if _is_encrypted(stored):
                cursor.execute(
                    f"UPDATE {table} SET headers = %s WHERE id = %s", [crypto.decrypt(stored), pk]
                )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0006_registration_config_refused_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscription",
            name="headers",
            field=core.fields.EncryptedJSONField(
                blank=True, default=dict, help_text="Custom request headers."
            ),
        ),
        migrations.RunPython(encrypt_headers, decrypt_headers),
    ]
