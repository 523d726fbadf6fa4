import pytest

from orders.templatetags.order_tags import status_badge, web_link


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://track.example/PW1", "https://track.example/PW1"),
        ("HTTP://track.example/PW1", "HTTP://track.example/PW1"),
        ("javascript:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("data:text/html,hi", ""),
        ("ftp://files.example/PW1", ""),
        ("//track.example/PW1", ""),
        ("https:///no-host", ""),
        ("http://[::1", ""),  # unparseable
        ("", ""),
        (None, ""),
    ],
)
def test_only_http_and_https_addresses_become_links(url, linked):
    assert web_link(url) == linked


def test_status_badges_colour_the_outcome_and_leave_the_rest_plain():
    assert [status_badge(s) for s in ("shipped", "needs_review", "failed", "pending")] == [
        "badge-ok",
        "badge-warn",
        "badge-danger",
        "",
    ]
