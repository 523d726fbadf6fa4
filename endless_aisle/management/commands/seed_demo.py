from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partners.sandbox.onboarding import sandbox_partners_onboard
from partners.sandbox.servers import DEMO_PORTS
from stores.demo import DEMO_SUPERUSER, DEMO_USERS, demo_stores_and_staff_seed


class Command(BaseCommand):
    help = "Load the demo stores, one user per role and the sandbox partners. Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError("seed_demo is disabled in production: it creates known logins.")
        demo_stores_and_staff_seed(password=settings.DEMO_PASSWORD)
        partners = sandbox_partners_onboard(
            {name: f"http://127.0.0.1:{port}" for name, port in DEMO_PORTS.items()}
        )
        self.stdout.write(f"Sandbox partners live: {', '.join(map(str, partners))}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Logins: {', '.join([*DEMO_USERS, DEMO_SUPERUSER])}."
            )
        )
