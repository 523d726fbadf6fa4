from django.core.management.base import BaseCommand
from django.db import transaction

from partners.crypto import credentials_rotate
from partners.models import PartnerCredentials


class Command(BaseCommand):
    help = "Re-encrypt every partner's credentials with the first key in PARTNER_CREDENTIAL_KEYS."

    @transaction.atomic
    def handle(self, *args, **options):
        rotated = 0
        for credentials in PartnerCredentials.objects.select_for_update():
            credentials.encrypted = credentials_rotate(credentials.encrypted)
            credentials.save(update_fields=["encrypted"])
            rotated += 1
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted the credentials of {rotated} partners.")
        )
