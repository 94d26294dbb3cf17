from django.core.management.base import BaseCommand, CommandError

from tenants import services


class Command(BaseCommand):
    help = (
        "Create an API key for a tenant (creating the tenant if missing). "
        "The raw key is printed alone on the last line of stdout."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", required=True, help="Tenant slug")
        parser.add_argument("--tenant-name", default="", help="Display name for a new tenant")
        parser.add_argument("--name", default="", help="A label for the key")

    def handle(self, *args, tenant: str, tenant_name: str, name: str, **options) -> None:
        try:
            tenant_obj, created = services.get_or_create_tenant(slug=tenant, name=tenant_name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        issued = services.issue_api_key(tenant=tenant_obj, name=name)
        verb = "Created tenant" if created else "Tenant"
        self.stdout.write(f"{verb} {tenant_obj.slug} ({tenant_obj.id})")
        self.stdout.write(f"API key {issued.api_key.prefix}… (id {issued.api_key.id}):")
        self.stdout.write(issued.raw_key)
