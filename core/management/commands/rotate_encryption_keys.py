"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first, keep the old ones after it, deploy, run this command,
then drop the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.fields import EncryptedFieldMixin


class Command(BaseCommand):
    help = "Re-encrypt all secrets at rest under the current first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        total = 0
        for model in apps.get_models():
            names = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)
            ]
            if not names:
                continue
            count = 0
            for obj in model._default_manager.only("pk", *names).iterator(chunk_size=500):
                with transaction.atomic():
                    values = {name: getattr(obj, name) for name in names}
                    model._default_manager.filter(pk=obj.pk).update(**values)
                count += 1
            self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
            total += count
        self.stdout.write(f"done: {total} row(s)")
