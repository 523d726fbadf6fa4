"""`python -m partners.sandbox`: serve the four partners on 8301-8304 until Ctrl-C."""

import argparse
import logging
import signal

from partners.sandbox.baywater import KEY_ID, SECRET
from partners.sandbox.catalog import PartnerName
from partners.sandbox.hearth import PASSWORD, USERNAME
from partners.sandbox.servers import DEMO_PORTS, DEMO_STATUS_ADVANCE_SECONDS, sandbox_partners_serve
from partners.sandbox.stridewell import CLIENT_ID, CLIENT_SECRET
from partners.sandbox.threadline import API_KEY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    for name, port in DEMO_PORTS.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    parser.add_argument(
        "--advance-seconds",
        type=float,
        default=DEMO_STATUS_ADVANCE_SECONDS,
        help="seconds an order stays in each status before moving on (0: only on request)",
    )
    options = parser.parse_args()
    # A process started in the background by a non-interactive shell inherits SIGINT ignored
    # (and Python then leaves it ignored): Ctrl-C, or a test's SIGINT, must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger(__name__).info(
        "credentials: threadline X-Api-Key=%s; stridewell client_id=%s client_secret=%s; "
        "hearth Basic %s:%s; baywater HMAC key id %s secret %s",
        API_KEY,
        CLIENT_ID,
        CLIENT_SECRET,
        USERNAME,
        PASSWORD,
        KEY_ID,
        SECRET,
    )
    sandbox_partners_serve(
        options.host,
        {name: getattr(options, f"{name.value}_port") for name in PartnerName},
        status_advance_seconds=options.advance_seconds or None,
    )


if __name__ == "__main__":
    main()
