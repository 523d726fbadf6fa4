"""The browser tests' wait for the live server to fall quiet (tests/live_server_requests.py):
its arithmetic on instances of its own, and its reading of the signals Django's real handlers
send on the run's one."""

import threading

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from tests.live_server_requests import ServedRequests, served_requests

SETTLE_SECONDS = 0.05
NO_SUCH_PAGE = "/no-such-page/"


def test_a_request_being_served_keeps_it_from_being_quiet_until_it_ends():
    served = ServedRequests()
    served.started(sender=WSGIHandler)

    assert not served.wait_for_quiet(0.3, settle_seconds=SETTLE_SECONDS)
    served.finished(sender=WSGIHandler)
    assert served.wait_for_quiet(5, settle_seconds=SETTLE_SECONDS)


def test_the_wait_ends_when_the_last_of_several_requests_ends():
    served = ServedRequests()
    served.started(sender=WSGIHandler)
    served.started(sender=StaticFilesHandler)
    served.finished(sender=StaticFilesHandler)
    ending = threading.Timer(0.2, served.finished, kwargs={"sender": WSGIHandler})
    ending.start()

    assert served.wait_for_quiet(10, settle_seconds=SETTLE_SECONDS)
    assert not ending.is_alive()


def test_a_request_that_just_ended_is_given_the_settle_time_for_the_next_to_start():
    served = ServedRequests()
    served.started(sender=WSGIHandler)
    served.finished(sender=WSGIHandler)

    assert not served.wait_for_quiet(0, settle_seconds=60)


@pytest.mark.django_db
def test_a_request_the_servers_handler_serves_counts_until_its_response_is_closed():
    environ = RequestFactory().get(NO_SUCH_PAGE).environ
    response = WSGIHandler()(environ, lambda status, headers: None)
    try:
        assert not served_requests.wait_for_quiet(0.3, settle_seconds=SETTLE_SECONDS)
    finally:
        response.close()

    assert served_requests.wait_for_quiet(5, settle_seconds=SETTLE_SECONDS)


@pytest.mark.django_db
def test_the_test_clients_requests_are_not_counted(client):
    client.get(NO_SUCH_PAGE)

    assert served_requests.wait_for_quiet(5, settle_seconds=SETTLE_SECONDS)
