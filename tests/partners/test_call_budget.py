"""A partner's timeouts, attempts and waits must fit in the time a page may wait for it: the
web server's request timeout (GUNICORN_TIMEOUT) less a margin to render the page. A partner that
could not fit is refused wherever it is saved: the model, the admin and a configuration import."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError

from partners.call_budget import CallBudget, web_budget_problem
from partners.models import Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import partner_config_import
from stores.roles import Role
from tests.conftest import REPO
from tests.factories import PartnerFactory
from tests.partners.admin_pages import change_page_form, url

SLOW = {"connect_timeout_ms": 5_000, "read_timeout_ms": 8_000}
SLOW_PROBLEM = (
    "A lookup, search or Test connection could take up to 43 s: 3 attempts x (connect 5,000 ms "
    "+ read 8,000 ms) + 2 waits of up to 2 s between attempts = 43 s. A page may wait 25 s for "
    "a partner (the web server's GUNICORN_TIMEOUT of 30 s less 5 s to render the page). Lower "
    "the timeouts or the read attempts."
)


def test_the_worst_case_adds_every_attempt_and_every_wait_between_them():
    budget = CallBudget(
        connect_timeout_ms=1_000, read_timeout_ms=3_000, attempts=3, token_renewal=False
    )

    assert budget.attempt_seconds == 4.0
    assert budget.worst_case_seconds == 3 * 4.0 + 2 * 2.0
    assert budget.explained() == (
        "3 attempts x (connect 1,000 ms + read 3,000 ms) + 2 waits of up to 2 s between "
        "attempts = 16 s"
    )


def test_an_oauth2_partner_may_send_once_more_with_a_renewed_token():
    budget = CallBudget(
        connect_timeout_ms=500, read_timeout_ms=1_500, attempts=1, token_renewal=True
    )

    assert budget.worst_case_seconds == 2 * 2.0
    assert budget.explained() == (
        "1 attempt + 1 with a renewed OAuth2 token x (connect 500 ms + read 1,500 ms) = 4 s"
    )


def test_a_budget_that_fits_has_no_problem_and_one_that_does_not_says_why():
    slow = CallBudget(attempts=3, token_renewal=False, **SLOW)

    assert web_budget_problem(slow, web_timeout_seconds=60, render_margin_seconds=5) is None
    assert web_budget_problem(slow, web_timeout_seconds=30, render_margin_seconds=5) == (
        SLOW_PROBLEM
    )


@pytest.mark.django_db
def test_the_model_refuses_a_partner_whose_reads_could_outlast_the_page():
    partner = PartnerFactory.build(**SLOW)

    with pytest.raises(ValidationError) as raised:
        partner.full_clean(validate_unique=False)

    assert raised.value.message_dict == {"__all__": [SLOW_PROBLEM]}


@pytest.mark.django_db
def test_fewer_read_attempts_make_the_same_timeouts_fit():
    partner = PartnerFactory.build(read_attempts=1, **SLOW)  # 13 s

    partner.full_clean(validate_unique=False)


@pytest.mark.django_db
def test_the_budget_follows_the_web_servers_timeout(settings):
    settings.WEB_REQUEST_TIMEOUT_SECONDS = 15  # 10 s for partners; the default takes 16 s
    partner = PartnerFactory.build()

    with pytest.raises(ValidationError) as raised:
        partner.full_clean(validate_unique=False)

    assert "A page may wait 10 s for a partner" in raised.value.messages[0]


def test_settings_read_the_same_variable_as_gunicorn():
    """deploy/gunicorn.conf.py kills a request after GUNICORN_TIMEOUT; settings read it too."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.WEB_REQUEST_TIMEOUT_SECONDS)",
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.base",
            "GUNICORN_TIMEOUT": "47",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert result.stdout.strip() == "47"


@pytest.mark.django_db
def test_the_admin_refuses_the_partner_and_saves_nothing(client, user_in_role, sandbox):
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    partner = partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )
    form = change_page_form(partner) | {"connect_timeout_ms": "5000", "read_timeout_ms": "8000"}

    response = client.post(url("change", partner.pk), form)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [SLOW_PROBLEM]
    partner.refresh_from_db()
    assert (partner.connect_timeout_ms, partner.read_timeout_ms, partner.config_version) == (
        1_000,
        3_000,
        2,
    )


@pytest.mark.django_db
def test_an_import_is_refused_and_writes_nothing():
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"] |= SLOW

    with pytest.raises(ValidationError) as raised:
        partner_config_import(data=data)

    assert raised.value.messages == [f"partner: {SLOW_PROBLEM}"]
    assert not Partner.objects.exists()
