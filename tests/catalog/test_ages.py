"""How old an answer, a scan or a cart line is, in the words the pages show."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from catalog.ages import age_text


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=4.9), "just now"),
        (timedelta(seconds=5), "5 s ago"),
        (timedelta(seconds=59), "59 s ago"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=2, minutes=5), "2\xa0hours, 5\xa0minutes ago"),
        (timedelta(days=3), "3\xa0days ago"),
    ],
)
def test_age_words(age, text):
    assert age_text(age) == text


def test_the_ago_filter_says_just_now_for_what_was_checked_a_moment_ago():
    template = Template("{% load ages %}Checked {{ at|ago }}")

    assert template.render(Context({"at": timezone.now()})) == "Checked just now"
    assert template.render(Context({"at": None})) == "Checked "
