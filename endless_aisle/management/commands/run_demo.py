"""Run the whole demo in one terminal: SQS emulator, sandbox partners, web, Celery worker and beat.

Ctrl-C stops everything; if any part stops on its own, the others are stopped too.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from endless_aisle.queues import queues_ensure
from partners.sandbox.servers import DEMO_PORTS, sandbox_partners_start
from stores.demo import DEMO_SUPERUSER, DEMO_USERS

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Start the local demo: web UI, Celery worker and beat, and the SQS emulator."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, port: int, **options):
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
        celery = [sys.executable, "-m", "celery", "-A", "endless_aisle"]
        commands = {
            "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [*celery, "worker", "-l", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "-l", "INFO", "-s", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        }
        # Fixed argument lists of our own: no user input reaches them.
        processes = {
            name: subprocess.Popen(command)  # noqa: S603
            for name, command in commands.items()
        }
        self._announce(port, sandbox)
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the demo.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo…")
        finally:
            self._stop(processes)
            sandbox.stop()
            sqs.stop()

    def _announce(self, port: int, sandbox) -> None:
        logins = ", ".join([*DEMO_USERS, DEMO_SUPERUSER])
        partners = ", ".join(f"{partner.name} {partner.base_url}" for partner in sandbox)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nEndless Aisle demo: http://127.0.0.1:{port}/\n"
                f"Log in as {logins} with the password {settings.DEMO_PASSWORD!r} "
                f"(DEMO_PASSWORD).\nSandbox partners: {partners}.\nPress Ctrl-C to stop.\n"
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
