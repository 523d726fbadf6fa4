from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.config_files import partner_config_read
from partners.services import partner_config_import, partner_secret_headers_unset
from partners.webhook_secrets import partner_webhook_secret_needed


class Command(BaseCommand):
    help = "Create or update a partner from a configuration file (credentials are not imported)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--base-url", help="Use this base URL instead of the file's.")

    def handle(self, *args, path: str, base_url: str | None, **options):
        try:
            with open(path, "rb") as file:
                data = partner_config_read(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            partner = partner_config_import(data=data, base_url=base_url)
        except ValidationError as error:
            raise CommandError(
                "\n".join(["The configuration was not imported:", *error.messages])
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {partner} ({partner.get_status_display().lower()}, "
                f"configuration version {partner.config_version})."
            )
        )
        if unset := partner_secret_headers_unset(partner):
            self.stdout.write(
                self.style.WARNING(
                    f"Enter the values of its secret headers in the admin: {', '.join(unset)}."
                )
            )
        if partner_webhook_secret_needed(partner):
            self.stdout.write(
                self.style.WARNING("Enter or generate its webhook secret in the admin.")
            )
