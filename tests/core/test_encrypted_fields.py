from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection, models
from django.test.utils import isolate_apps, override_settings

from core import crypto
from core.fields import EncryptedJSONField, EncryptedTextField

pytestmark = pytest.mark.django_db
SECRET = "whsec_plaintext-that-must-not-reach-the-disk"


@pytest.fixture
def vault_model():
    """A throwaway model with encrypted columns, created in the test's transaction."""
    with isolate_apps("core"):

        class Vault(models.Model):
            secret = EncryptedTextField(null=True)
            credentials = EncryptedJSONField(default=dict)

            class Meta:
                app_label = "core"
                db_table = "test_encrypted_vault"

            def __str__(self) -> str:
                return f"vault {self.pk}"

        with connection.schema_editor() as editor:
            editor.create_model(Vault)
        yield Vault


def _raw_row(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, credentials FROM test_encrypted_vault WHERE id = %s", [pk])
        return cursor.fetchone()


def test_values_round_trip_and_the_column_holds_no_plaintext(vault_model):
    creds = {"access_token": "tok-123-secret", "phone_number_id": "42"}
    row = vault_model.objects.create(secret=SECRET, credentials=creds)
    stored_secret, stored_creds = _raw_row(row.pk)
    assert SECRET not in stored_secret and "tok-123-secret" not in stored_creds
    assert stored_secret.startswith("gAAAAA")  # a Fernet token
    loaded = vault_model.objects.get(pk=row.pk)
    assert loaded.secret == SECRET
    assert loaded.credentials == creds


def test_same_value_encrypts_differently_each_time(vault_model):
    first = vault_model.objects.create(secret=SECRET)
    second = vault_model.objects.create(secret=SECRET)
    assert _raw_row(first.pk)[0] != _raw_row(second.pk)[0]


def test_null_stays_null(vault_model):
    row = vault_model.objects.create(secret=None)
    assert _raw_row(row.pk)[0] is None
    assert vault_model.objects.filter(secret__isnull=True).count() == 1


def test_equality_lookups_are_refused(vault_model):
    with pytest.raises(FieldError):
        list(vault_model.objects.filter(secret=SECRET))


def test_keys_rotate_new_first_old_still_decrypts(vault_model, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    row = vault_model.objects.create(secret=SECRET)
    old_token = _raw_row(row.pk)[0]
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        assert vault_model.objects.get(pk=row.pk).secret == SECRET
        rotated = crypto.rotate(old_token)
    assert Fernet(new_key.encode()).decrypt(rotated.encode()).decode() == SECRET
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert crypto.decrypt(rotated) == SECRET
        with pytest.raises(crypto.DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
            vault_model.objects.get(pk=row.pk)
