"""The browser tests' wait for the live server to fall quiet (tests/live_server_requests.py),
fed the request signals' senders as a server and the test client send them."""

import threading

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test.client import ClientHandler

from tests.live_server_requests import ServedRequests

SETTLE_SECONDS = 0.05


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


def test_the_test_clients_requests_are_not_counted():
    served = ServedRequests()
    served.started(sender=ClientHandler)

    assert served.wait_for_quiet(5, settle_seconds=SETTLE_SECONDS)
    served.finished(sender=None)  # the test client's response names no handler
    assert served.wait_for_quiet(5, settle_seconds=SETTLE_SECONDS)
