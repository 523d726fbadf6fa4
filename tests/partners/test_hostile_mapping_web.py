"""A merchandiser's hostile mapping in Preview does not stall the web process that runs it.

Before evaluator processes, `$match("aaaa…!", /(a|a)*$/)` in Preview froze every thread of the
web process: `/healthz` waited for as long as the regex ran. Here each attack runs in one thread
of the live server, and under a time bound of ten minutes it is still being evaluated (by
construction, not by timing) while the same server answers `/healthz` and another page.
"""

import re
import threading
import urllib.parse
import urllib.request
from http.client import HTTPResponse

import pytest

from partners.mapping.evaluator_pool import evaluator_pool
from stores.roles import Role
from tests.conftest import wait_for
from tests.factories import PartnerFactory
from tests.partners.admin_pages import url
from tests.partners.mapping.evaluator_processes import HOSTILE_REGEX

pytestmark = pytest.mark.django_db(transaction=True)

ATTACKS = {
    "a backtracking regex": HOSTILE_REGEX,
    "a quadratic native": "$distinct([1..300000])",  # 3-4 s for 20,000; this is 225 times that
}


def fetch(address: str, *, cookie: str = "", form: dict | None = None) -> HTTPResponse:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(address, data=data, headers={"Cookie": cookie})  # noqa: S310
    return urllib.request.urlopen(request, timeout=60)  # noqa: S310 - the live test server


@pytest.mark.parametrize("expression", ATTACKS.values(), ids=ATTACKS.keys())
def test_healthz_and_pages_answer_while_preview_evaluates_an_attack(
    expression, live_server, client, user_in_role, evaluators
):
    evaluators(processes=2, timeout_ms=600_000)
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    session = f"sessionid={client.cookies['sessionid'].value}"
    preview = live_server.url + url("preview_mapping", PartnerFactory().pk)
    page = fetch(preview, cookie=session)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())[1]
    form = {
        "csrfmiddlewaretoken": token,
        "operation": "lookup",
        "direction": "response",
        "input_format": "json",
        "status": "200",
        "expression": expression,
        "code": "5012345678900",
        "quantity": "1",
        "sample": "{}",
    }
    attack_page: dict = {}
    attack = threading.Thread(
        target=lambda: attack_page.update(
            text=fetch(preview, cookie=f"{session}; csrftoken={csrf_cookie}", form=form)
            .read()
            .decode()
        ),
        daemon=True,
    )
    attack.start()
    wait_for(lambda: evaluator_pool().busy == 1)

    health = fetch(f"{live_server.url}/healthz")
    login_page = fetch(f"{live_server.url}/accounts/login/")

    assert (health.status, login_page.status) == (200, 200)
    assert b'"database": "ok"' in health.read()
    assert evaluator_pool().busy == 1 and attack.is_alive()
    evaluator_pool().shutdown()
    attack.join(60)
    assert "no mapping evaluator was available" in attack_page["text"]
