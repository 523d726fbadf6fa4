"""The SQS API on loopback, served by moto, for the demo and the tests (never production)."""

import logging
from urllib.parse import urlsplit

from moto.server import ThreadedMotoServer


def sqs_emulator_start(endpoint_url: str) -> ThreadedMotoServer:
    """Serve SQS at endpoint_url's host and port; raise OSError if the port is taken."""
    endpoint = urlsplit(endpoint_url)
    if endpoint.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"The SQS emulator only listens on loopback, not {endpoint.hostname}.")
    # moto's web server logs every request; the queue's own log lines are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=endpoint.hostname, port=endpoint.port, verbose=False)
    server.start()
    return server
