from django.core.management.base import BaseCommand

from partners.services import partner_credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt every partner's credentials with the first key in PARTNER_CREDENTIAL_KEYS."

    def handle(self, *args, **options):
        rotated = partner_credentials_rotate()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted the credentials of {rotated} partners.")
        )
