"""`python -m orders.payments.sandbox`: serve the sandbox gateway on 8350 until Ctrl-C."""

import argparse
import contextlib
import logging
import signal
import threading

from orders.payments.sandbox.server import (
    DEMO_PORT,
    DEMO_PUBLIC_KEY,
    DEMO_SECRET_KEY,
    PaymentSandbox,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    parser.add_argument(
        "--origin",
        action="append",
        default=[],
        help="an origin whose pages may post cards to /v1/tokens (repeatable), "
        "e.g. http://127.0.0.1:8000",
    )
    options = parser.parse_args()
    # Started in the background by a non-interactive shell, SIGINT arrives ignored: undo that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger(__name__).info(
        "keys: public %s, secret %s; origins %s",
        DEMO_PUBLIC_KEY,
        DEMO_SECRET_KEY,
        ", ".join(options.origin) or "none",
    )
    with (
        contextlib.suppress(KeyboardInterrupt),
        PaymentSandbox(port=options.port, allowed_origins=options.origin).start(),
    ):
        threading.Event().wait()


if __name__ == "__main__":
    main()
