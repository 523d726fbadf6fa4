"""An htmx swap asked for once the session has ended (a kiosk timed out) takes the browser to
the login page instead of putting the login page inside the one on screen."""

import pytest
from django.urls import reverse

PRODUCT = reverse("catalog:product", args=["04006381333931"])
LOGIN = reverse("login") + "?next="


@pytest.mark.django_db
def test_an_htmx_swap_after_the_session_ended_redirects_the_whole_page(client):
    response = client.get(PRODUCT, {"variant": "04006381333931"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)
    assert "product" in response["HX-Redirect"]
    assert response.content == b""


@pytest.mark.django_db
def test_a_page_and_a_history_restore_are_redirected_as_usual(client):
    page = client.get(PRODUCT)
    restore = client.get(
        PRODUCT, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    for response in (page, restore):
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not response.has_header("HX-Redirect")
