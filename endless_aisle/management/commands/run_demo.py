"""Run the whole demo in one terminal: SQS emulator, sandbox partners, web, Celery worker and beat.

With --oidc (`make demo-oidc`) it also serves an OpenID Connect provider on loopback that issues
Cognito-shaped tokens for the demo users, and the web process signs staff in through it, as
production does with Cognito. With --https (`make demo HTTPS=1`) the web app is served over TLS on
every interface, for a tablet on the shop's Wi-Fi to use its camera (endless_aisle/demo_https.py,
docs/https-demo.md). Ctrl-C stops everything; if any part stops on its own, the others are stopped
too.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from endless_aisle.demo_https import (
    DemoTls,
    demo_tls_ensure,
    demo_tls_names,
    https_web_command,
    https_web_environment,
    network_urls,
)
from endless_aisle.queues import queues_ensure
from orders.payments.sandbox.server import DEMO_PORT as DEMO_GATEWAY_PORT
from orders.payments.sandbox.server import PaymentSandbox
from partners.sandbox.onboarding import sandbox_config
from partners.sandbox.servers import DEMO_PORTS, sandbox_partners_start
from stores.demo import DEMO_SUPERUSER, DEMO_USERS

DEMO_OIDC_PORT = 8400

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Start the local demo: web UI, Celery worker and beat, and the SQS emulator."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--oidc",
            action="store_true",
            help="Sign staff in through a loopback OpenID Connect provider, as with Cognito.",
        )
        parser.add_argument(
            "--https",
            action="store_true",
            help="Serve the web app over HTTPS on every interface, with a certificate of the "
            "demo's own authority (var/demo-tls/), for a tablet's camera on the local network.",
        )

    def handle(self, *args, port: int, oidc: bool, https: bool, **options):
        if https and oidc:
            # The provider listens on loopback: a tablet could not reach it to sign in.
            raise CommandError("--https and --oidc cannot be combined: use one or the other.")
        tls, names = None, []
        if https:
            names = demo_tls_names()
            tls = demo_tls_ensure(settings.VAR_DIR / "demo-tls", names)
        # moto is a development dependency: the production image does not have it.
        from endless_aisle.sqs_emulator import sqs_emulator_start

        try:
            sqs = sqs_emulator_start(settings.SQS_ENDPOINT_URL)
        except OSError as error:
            raise CommandError(
                f"Cannot serve SQS at {settings.SQS_ENDPOINT_URL} ({error}). Is a demo already "
                "running? Stop it or set SQS_ENDPOINT_URL to another port."
            ) from error
        queues_ensure()
        try:
            sandbox = sandbox_partners_start("127.0.0.1", DEMO_PORTS, status_advance_seconds=30)
        except OSError as error:
            sqs.stop()
            raise CommandError(
                f"Cannot serve the sandbox partners on ports {sorted(DEMO_PORTS.values())} "
                f"({error}). Is a demo already running?"
            ) from error
        self._webhooks_to_demo(sandbox, port, tls)
        try:
            gateway = self._payment_gateway_start(port, https=https)
        except OSError as error:
            sandbox.stop()
            sqs.stop()
            raise CommandError(
                f"Cannot serve the sandbox payment gateway on port {DEMO_GATEWAY_PORT} "
                f"({error}). Is a demo already running?"
            ) from error
        provider, web_environment = None, dict(os.environ)
        if oidc:
            try:
                provider = self._oidc_provider_start(port)
            except OSError as error:
                gateway.stop()
                sandbox.stop()
                sqs.stop()
                raise CommandError(
                    f"Cannot serve the identity provider on port {DEMO_OIDC_PORT} ({error}). "
                    "Is a demo already running?"
                ) from error
            web_environment.update(self._oidc_environment(provider))
        if tls is not None:
            web_environment.update(https_web_environment(names, tls, settings.ALLOWED_HOSTS))
            web = https_web_command(
                bind="0.0.0.0",  # noqa: S104 - the tablet reaches the demo over the network
                port=port,
                tls=tls,
                timeout_seconds=settings.WEB_REQUEST_TIMEOUT_SECONDS,
            )
        else:
            web = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        celery = [sys.executable, "-m", "celery", "-A", "endless_aisle"]
        commands = {
            "web": web,
            "worker": [*celery, "worker", "-l", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "-l", "INFO", "-s", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        }
        # Fixed argument lists of our own: no user input reaches them.
        processes = {
            name: subprocess.Popen(  # noqa: S603
                command, env=web_environment if name == "web" else None
            )
            for name, command in commands.items()
        }
        self._announce(port, sandbox, gateway, provider, tls, names)
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the demo.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo…")
        finally:
            self._stop(processes)
            if provider is not None:
                provider.stop()
            gateway.stop()
            sandbox.stop()
            sqs.stop()

    def _webhooks_to_demo(self, sandbox, port: int, tls: DemoTls | None) -> None:
        """Partners that push their order statuses push them to the demo's webhook, as a real
        partner would be told to; the others are polled by beat."""
        scheme = "http" if tls is None else "https"
        for partner in sandbox:
            if sandbox_config(partner.name)["partner"]["status_delivery"] != "webhook":
                continue
            partner.webhook_set(
                f"{scheme}://127.0.0.1:{port}"
                + reverse("partner-webhook", args=[partner.name.value]),
                cafile=None if tls is None else str(tls.ca_certificate),
            )

    def _payment_gateway_start(self, port: int, *, https: bool) -> PaymentSandbox:
        """The sandbox card gateway, with the keys the settings give the web process (the demo
        keys unless PAYMENT_GATEWAY_* say otherwise), taking cards from the demo's pages."""
        scheme = "https" if https else "http"
        return PaymentSandbox(
            port=DEMO_GATEWAY_PORT,
            public_key=settings.PAYMENT_GATEWAY_PUBLIC_KEY,
            secret_key=settings.PAYMENT_GATEWAY_SECRET_KEY,
            allowed_origins=[f"{scheme}://127.0.0.1:{port}", f"{scheme}://localhost:{port}"],
        ).start()

    def _oidc_provider_start(self, port: int):
        # joserfc, which the provider signs with, is a development dependency like moto.
        from stores.sandbox.demo_identities import demo_oidc_provider_start

        return demo_oidc_provider_start(
            app_urls=[f"http://127.0.0.1:{port}", f"http://localhost:{port}"],
            password=settings.DEMO_PASSWORD,
            port=DEMO_OIDC_PORT,
        )

    def _oidc_environment(self, provider) -> dict[str, str]:
        from stores.sandbox.demo_identities import demo_oidc_environment

        return demo_oidc_environment(provider)

    def _announce(self, port: int, sandbox, gateway, provider, tls: DemoTls | None, names) -> None:
        partners = ", ".join(f"{partner.name} {partner.base_url}" for partner in sandbox)
        if provider is None:
            logins = (
                f"Log in as {', '.join([*DEMO_USERS, DEMO_SUPERUSER])} with the password "
                f"{settings.DEMO_PASSWORD!r} (DEMO_PASSWORD)."
            )
        else:
            logins = (
                f"Sign in through the identity provider at {provider.issuer} as "
                f"{', '.join(DEMO_USERS)} with the password {settings.DEMO_PASSWORD!r}; "
                f"{DEMO_SUPERUSER} signs in only with BREAK_GLASS_LOGIN=true."
            )
        if tls is None:
            addresses = f"http://127.0.0.1:{port}/"
        else:
            addresses = (
                f"https://localhost:{port}/\nOn a tablet on this network: "
                f"{', '.join(network_urls(names, port)) or '(no network address found)'}\n"
                f"Trust the demo's certificate authority there once: {tls.ca_certificate}, also "
                f"at /demo-ca.crt (docs/https-demo.md)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nEndless Aisle demo: {addresses}\n{logins}\n"
                f"Sandbox partners: {partners}.\nSandbox card gateway: {gateway.base_url} "
                "(test cards: docs/payments.md).\nPress Ctrl-C to stop.\n"
            )
        )

    def _stop(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
