"""Deliveries can be ``held`` while their subscription is disabled. Deliveries already waiting
for a disabled subscription are held now, instead of waiting for a worker to find them."""

from django.db import migrations, models


def hold_waiting_deliveries_of_disabled_subscriptions(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Delivery.objects.filter(
        subscription__enabled=False, status__in=["pending", "failed"]
    ).update(status="held", enqueued_at=None)


def release_held(apps, schema_editor):
    apps.get_model("webhooks", "Delivery").objects.filter(status="held").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0007_subscription_headers_encrypted"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("in_flight", "In flight"),
                    ("failed", "Failed, retry scheduled"),
                    ("succeeded", "Succeeded"),
                    ("dead", "Dead letter"),
                    ("held", "Held: subscription disabled"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.RunPython(
            hold_waiting_deliveries_of_disabled_subscriptions, release_held
        ),
    ]
