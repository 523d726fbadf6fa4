"""The partners page: each live or paused partner's calls in the last hour, read in a fixed
number of queries, for managers and merchandisers only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.selectors import partners_health
from partners.models import Partner, PartnerCall, PartnerCircuit
from stores.roles import Role
from tests.factories import PartnerCallFactory, PartnerFactory

Outcome = PartnerCall.Outcome
URL = "/partners/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def health_of(partner, now):
    return next(row for row in partners_health(now=now) if row.partner_id == partner.pk)


def calls(partner, now, *specs):
    """Log one call per (minutes ago, outcome, latency in ms)."""
    for minutes_ago, outcome, latency_ms in specs:
        PartnerCallFactory(
            partner=partner,
            outcome=outcome,
            latency_ms=latency_ms,
            at=now - timedelta(minutes=minutes_ago),
        )


# The selector's figures


def test_the_median_of_an_odd_count_is_the_middle_latency(now):
    partner = PartnerFactory()
    calls(partner, now, (5, Outcome.OK, 300), (4, Outcome.OK, 100), (3, Outcome.OK, 200))

    assert health_of(partner, now).median_latency_ms == 200


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_latencies(now):
    partner = PartnerFactory()
    calls(
        partner,
        now,
        (5, Outcome.OK, 400),
        (4, Outcome.OK, 100),
        (3, Outcome.OK, 301),
        (2, Outcome.OK, 200),
    )

    assert health_of(partner, now).median_latency_ms == 250.5


def test_the_median_of_one_call_is_its_latency_and_ties_count_once_each(now):
    single, tied = PartnerFactory(), PartnerFactory()
    calls(single, now, (1, Outcome.OK, 42))
    calls(tied, now, (4, Outcome.OK, 100), (3, Outcome.OK, 100), (2, Outcome.OK, 100))
    calls(tied, now, (1, Outcome.OK, 900))

    assert health_of(single, now).median_latency_ms == 42
    assert health_of(tied, now).median_latency_ms == 100


def test_each_partner_gets_the_median_of_its_own_calls(now):
    fast, slow = PartnerFactory(), PartnerFactory()
    calls(fast, now, (3, Outcome.OK, 10), (2, Outcome.OK, 20), (1, Outcome.OK, 30))
    calls(slow, now, (3, Outcome.OK, 1000), (2, Outcome.OK, 3000))

    figures = {row.partner_id: row.median_latency_ms for row in partners_health(now=now)}

    assert figures == {fast.pk: 20, slow.pk: 2000}


def test_answers_are_not_errors_and_failures_are(now):
    partner = PartnerFactory()
    calls(
        partner,
        now,
        (9, Outcome.OK, 100),
        (8, Outcome.NOT_FOUND, 100),
        (7, Outcome.TIMEOUT, 2000),
        (6, Outcome.HTTP_ERROR, 100),
        (5, Outcome.MAPPING_ERROR, 100),
        (4, Outcome.OK, 100),
        (3, Outcome.OK, 100),
        (2, Outcome.NOT_FOUND, 100),
    )

    health = health_of(partner, now)

    assert (health.calls, health.errors, health.error_percent) == (8, 3, 38)


def test_the_error_percentage_rounds_half_up_so_a_rare_error_still_shows():
    partner = PartnerFactory()
    now = timezone.now()
    PartnerCallFactory.create_batch(199, partner=partner, outcome=Outcome.OK)
    PartnerCallFactory(partner=partner, outcome=Outcome.TIMEOUT)

    health = health_of(partner, now + timedelta(seconds=1))

    assert (health.calls, health.errors, health.error_percent) == (200, 1, 1)


def test_calls_older_than_an_hour_are_left_out_of_the_figures(now):
    partner = PartnerFactory()
    calls(
        partner,
        now,
        (61, Outcome.TIMEOUT, 9000),
        (90, Outcome.TIMEOUT, 9000),
        (59, Outcome.OK, 100),
    )

    health = health_of(partner, now)

    assert (health.calls, health.errors, health.median_latency_ms) == (1, 0, 100)


def test_the_last_call_is_the_newest_even_before_the_hour(now):
    partner = PartnerFactory()
    calls(partner, now, (180, Outcome.OK, 100), (120, Outcome.TIMEOUT, 2000))

    health = health_of(partner, now)

    assert (health.calls, health.error_percent, health.median_latency_ms) == (0, None, None)
    assert health.last_outcome == Outcome.TIMEOUT
    assert health.last_outcome_label == "Timeout"
    assert health.last_call_failed
    assert health.last_call_at == now - timedelta(minutes=120)


def test_a_partner_never_called_has_no_figures(now):
    partner = PartnerFactory(categories=["footwear"])

    health = health_of(partner, now)

    assert (health.calls, health.errors, health.error_percent) == (0, 0, None)
    assert (health.median_latency_ms, health.last_outcome, health.last_call_at) == (
        None,
        None,
        None,
    )


def test_calls_that_never_left_are_errors_but_not_latencies(now):
    partner = PartnerFactory()
    calls(partner, now, (4, Outcome.OK, 200), (3, Outcome.CIRCUIT_OPEN, 0), (2, Outcome.REFUSED, 0))
    # Waited for a free slot until its deadline: time spent here, not at the partner.
    PartnerCallFactory(
        partner=partner,
        outcome=Outcome.UNAVAILABLE,
        delivery=PartnerCall.Delivery.NOT_SENT,
        latency_ms=5,
        at=now - timedelta(minutes=1),
    )

    health = health_of(partner, now)

    assert (health.calls, health.errors, health.median_latency_ms) == (4, 3, 200)
    assert health.last_outcome == Outcome.UNAVAILABLE


def test_only_live_and_paused_partners_are_shown_live_first_by_priority(now):
    paused = PartnerFactory(
        name="Paused first by priority", status=Partner.Status.PAUSED, priority=1
    )
    second = PartnerFactory(name="Live second", priority=20)
    first = PartnerFactory(name="Live first", priority=10)
    for status in (Partner.Status.DRAFT, Partner.Status.TESTING, Partner.Status.RETIRED):
        PartnerFactory(status=status)

    rows = partners_health(now=now)

    assert [(row.name, row.status_label) for row in rows] == [
        (first.name, "Live"),
        (second.name, "Live"),
        (paused.name, "Paused"),
    ]


def test_an_open_circuit_at_the_current_version_shows_and_an_old_one_does_not(now):
    tripped, recovered, untouched = PartnerFactory(), PartnerFactory(), PartnerFactory()
    PartnerCircuit.objects.create(
        partner_id=tripped.pk, config_version=tripped.config_version, state="open", failures=5
    )
    # A configuration change since: the partner's calls use a fresh circuit.
    PartnerCircuit.objects.create(
        partner_id=recovered.pk, config_version=recovered.config_version - 1, state="open"
    )

    circuits = {row.partner_id: row.circuit for row in partners_health(now=now)}

    assert circuits == {tripped.pk: "open", recovered.pk: "closed", untouched.pk: "closed"}


def test_with_circuits_in_redis_the_page_does_not_claim_them_closed(settings, now):
    partner = PartnerFactory()
    settings.PARTNER_LIMITS_BACKEND = "redis"

    assert health_of(partner, now).circuit is None


def test_categories_that_are_not_texts_are_left_out(now):
    listed = PartnerFactory(categories=["apparel", 7, {"x": 1}, "footwear"])
    odd = PartnerFactory(categories={"apparel": True})

    assert health_of(listed, now).categories == ["apparel", "footwear"]
    assert health_of(odd, now).categories == []


# The page


def test_a_manager_sees_each_partner_s_figures(client, user_in_role, now):
    client.force_login(user_in_role(Role.MANAGER))
    busy = PartnerFactory(name="Threadline", categories=["apparel", "footwear"])
    calls(busy, now, (3, Outcome.OK, 120), (2, Outcome.TIMEOUT, 2500), (1, Outcome.OK, 180))
    PartnerCircuit.objects.create(
        partner_id=busy.pk, config_version=busy.config_version, state="open"
    )
    PartnerFactory(name="Baywater", status=Partner.Status.PAUSED)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    busy_row = html.split(f'data-testid="partner-{busy.pk}"')[1].split("</tr>")[0]
    assert "Threadline" in busy_row
    assert "apparel, footwear" in busy_row
    assert '33% <span class="muted">(1 of 3)</span>' in busy_row
    assert "180 ms" in busy_row
    assert "Circuit open" in busy_row
    assert ">OK</span>" in busy_row
    quiet_row = html.split("Baywater")[1].split("</tr>")[0]
    assert "Paused" in quiet_row
    assert "No calls in the last 60 minutes" in quiet_row
    assert "Never called" in quiet_row


def test_the_page_shows_no_secret_endpoint_or_error_text(client, user_in_role, now):
    client.force_login(user_in_role(Role.MANAGER))
    partner = PartnerFactory(
        name="<b>Threadline</b>",
        base_url="https://secret-host.threadline.example",
        credentials={"api_key": "sk-live-do-not-show"},
        auth_type=Partner.AuthType.API_KEY_HEADER,
        api_key_name="X-Threadline-Key",
    )
    PartnerCallFactory(
        partner=partner,
        outcome=Outcome.AUTH_FAILED,
        path="/v1/private-path",
        error="401 from secret-host: key sk-live-do-not-show refused",
    )

    html = client.get(URL).content.decode()

    assert "&lt;b&gt;Threadline&lt;/b&gt;" in html
    assert "Authentication failed" in html
    for hidden in ("sk-live-do-not-show", "secret-host", "X-Threadline-Key", "private-path"):
        assert hidden not in html


def queries_for_the_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_page_s_query_count_does_not_grow_with_partners_or_calls(client, user_in_role, now):
    client.force_login(user_in_role(Role.MANAGER))
    first = PartnerFactory()
    calls(first, now, (2, Outcome.OK, 100), (1, Outcome.TIMEOUT, 2000))
    with_one = queries_for_the_page(client)
    for partner in PartnerFactory.create_batch(4):
        calls(partner, now, *[(minute, Outcome.OK, 10 * minute) for minute in range(1, 11)])
        PartnerCircuit.objects.create(partner_id=partner.pk, config_version=partner.config_version)

    with_five = queries_for_the_page(client)

    assert with_five == with_one
    assert len(partners_health(now=now)) == 5


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MANAGER, 200), (Role.MERCHANDISER, 200), (Role.ASSOCIATE, 403), (Role.KIOSK, 403)],
)
def test_managers_and_merchandisers_open_the_page_and_others_are_refused(
    client, user_in_role, role, status
):
    PartnerFactory(name="Threadline")
    # Partners serve every store alike: a merchandiser attached to no store still sees them.
    client.force_login(user_in_role(role, stores=[] if role == Role.MERCHANDISER else None))

    response = client.get(URL)

    assert response.status_code == status
    assert ("Threadline" in response.content.decode()) == (status == 200)


def test_anyone_signed_out_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_the_navigation_marks_the_page_as_current(client, user_in_role):
    client.force_login(user_in_role(Role.MANAGER))

    html = client.get(URL).content.decode()

    assert f'<a href="{URL}" aria-current="page">Partner health</a>' in html
