from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stores.demo import DEMO_SUPERUSER, DEMO_USERS, demo_stores_and_staff_seed


class Command(BaseCommand):
    help = "Load the demo stores and one user per role. Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError("seed_demo is disabled in production: it creates known logins.")
        demo_stores_and_staff_seed(password=settings.DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Logins: {', '.join([*DEMO_USERS, DEMO_SUPERUSER])}."
            )
        )
