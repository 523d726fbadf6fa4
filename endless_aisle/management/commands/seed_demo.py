from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.sandbox.demo_catalogue import demo_catalogue_seed
from partners.sandbox.onboarding import sandbox_partners_onboard
from partners.sandbox.servers import DEMO_PORTS, sandbox_partners_start
from stores.demo import DEMO_SUPERUSER, DEMO_USERS, demo_stores_and_staff_seed


class Command(BaseCommand):
    help = (
        "Load the demo stores, one user per role, the sandbox partners and the catalogue with "
        "its prices. Safe to run again."
    )

    def handle(self, *args, **options):
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError("seed_demo is disabled in production: it creates known logins.")
        demo_stores_and_staff_seed(password=settings.DEMO_PASSWORD)
        # Going live needs passing tests and a test order over HTTP: the sandbox partners are
        # served on the demo's ports while they are proven (run_demo serves them there later).
        try:
            sandbox = sandbox_partners_start("127.0.0.1", DEMO_PORTS)
        except OSError as error:
            raise CommandError(
                f"Cannot serve the sandbox partners on ports {sorted(DEMO_PORTS.values())} to "
                f"prove them ({error}). Is a demo running? Stop it and seed again."
            ) from error
        with sandbox:
            try:
                partners = sandbox_partners_onboard(
                    {partner.name: partner.base_url for partner in sandbox}
                )
            except RuntimeError as error:
                raise CommandError(f"Could not prove the sandbox partners: {error}") from error
            except ValidationError as error:  # the go-live gate refused what was proven
                raise CommandError(
                    f"Could not take the sandbox partners live: {' '.join(error.messages)}"
                ) from error
        self.stdout.write(f"Sandbox partners live: {', '.join(map(str, partners))}.")
        demo_catalogue_seed()
        self.stdout.write("Catalogue, pricing rules, exchange and tax rates ready.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Logins: {', '.join([*DEMO_USERS, DEMO_SUPERUSER])}."
            )
        )
